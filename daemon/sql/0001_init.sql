-- 0001_init.sql - iwmod's first schema: messages, clients, toewijzingen with
-- their history, starts, stops and retours. Personal data (BSN) lives only in
-- clients.bsn and in the compressed raw messages.

CREATE TABLE messages (
    id            bigserial PRIMARY KEY,
    claim         text NOT NULL UNIQUE,        -- queue file name that carried the message
    original_name text NOT NULL,
    sha256        bytea NOT NULL,
    size          integer NOT NULL,
    raw           bytea NOT NULL,              -- zlib-compressed original bytes
    standard      text,
    msg_type      integer,
    release       text,
    direction     text NOT NULL CHECK (direction IN ('in', 'out', 'none')),
    sender        text,
    receiver      text,
    bericht_id    text,
    bericht_datum date,
    verdict       text NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'invalid', 'refused',
                                                   'duplicate', 'quarantined', 'sent', 'recorded')),
    retourcodes   text[] NOT NULL DEFAULT '{}',
    findings      jsonb NOT NULL DEFAULT '[]',
    note          text,                        -- quarantine reason or rejection report
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_identity ON messages (sender, standard, msg_type, bericht_id);
CREATE INDEX messages_sha ON messages (sha256);

CREATE TABLE clients (
    id        bigserial PRIMARY KEY,
    bsn       text NOT NULL UNIQUE,
    pseudonym text NOT NULL UNIQUE
);

CREATE TABLE toewijzingen (
    id                bigserial PRIMARY KEY,
    standard          text NOT NULL,
    gemeente          text NOT NULL,
    aanbieder         text NOT NULL,
    toewijzing_nummer text NOT NULL,
    client_id         bigint NOT NULL REFERENCES clients,
    product_categorie text,
    product_code      text,
    toewijzingsdatum  date,
    ingangsdatum      date NOT NULL,
    einddatum         date,
    reden_wijziging   text,
    version           integer NOT NULL DEFAULT 1,
    message_id        bigint NOT NULL REFERENCES messages,
    retour_status     text NOT NULL DEFAULT 'awaiting'
                      CHECK (retour_status IN ('awaiting', 'accepted', 'rejected', 'none')),
    UNIQUE (standard, gemeente, toewijzing_nummer)
);

CREATE TABLE toewijzing_history (
    id              bigserial PRIMARY KEY,
    toewijzing_id   bigint NOT NULL REFERENCES toewijzingen,
    version         integer NOT NULL,
    ingangsdatum    date NOT NULL,
    einddatum       date,
    reden_wijziging text,
    message_id      bigint NOT NULL REFERENCES messages,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (toewijzing_id, version)
);

-- One row per StartProduct / StopProduct aanlevering; a deletion (StatusAanlevering 3)
-- marks the row it deletes.
CREATE TABLE starts (
    id                bigserial PRIMARY KEY,
    standard          text NOT NULL,
    gemeente          text NOT NULL,
    aanbieder         text NOT NULL,
    client_id         bigint NOT NULL REFERENCES clients,
    toewijzing_nummer text,
    product_categorie text,
    product_code      text,
    begindatum        date NOT NULL,
    message_id        bigint NOT NULL REFERENCES messages,
    deleted_by        bigint REFERENCES messages
);
CREATE INDEX starts_key ON starts (standard, gemeente, aanbieder, client_id, toewijzing_nummer, begindatum);

CREATE TABLE stops (
    id                bigserial PRIMARY KEY,
    standard          text NOT NULL,
    gemeente          text NOT NULL,
    aanbieder         text NOT NULL,
    client_id         bigint NOT NULL REFERENCES clients,
    toewijzing_nummer text,
    product_categorie text,
    product_code      text,
    begindatum        date NOT NULL,
    einddatum         date NOT NULL,
    reden_beeindiging text,
    message_id        bigint NOT NULL REFERENCES messages,
    deleted_by        bigint REFERENCES messages
);
CREATE INDEX stops_key ON stops (standard, gemeente, aanbieder, client_id, toewijzing_nummer, begindatum);

-- Every file iwmod puts in the outbox: retours it built and outbound messages it forwards.
CREATE TABLE deliveries (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES messages,
    kind        text NOT NULL CHECK (kind IN ('retour', 'forward')),
    retour_type integer,
    identificatie text,
    filename    text NOT NULL UNIQUE,
    content     bytea NOT NULL,                -- zlib-compressed
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE retour_identificatie_seq;
