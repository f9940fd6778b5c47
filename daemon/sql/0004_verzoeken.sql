-- 0004_verzoeken.sql - verzoeken om toewijzing (315, one row per
-- AangevraagdProduct) and om wijziging (317, one row per Verzoek), the
-- gemeente's answers (319) and the 301s that were scanned for the
-- ReferentieAanbieder they honour. A verzoek is open ("onderhanden", TR374)
-- while retour_status is not 'rejected' and state is 'submitted' or
-- 'in_onderzoek'. Clients are referred to by clients.id only.

CREATE TABLE verzoeken (
    id                bigserial PRIMARY KEY,
    standard          text NOT NULL,
    gemeente          text NOT NULL,
    aanbieder         text NOT NULL,
    client_id         bigint NOT NULL REFERENCES clients,
    referentie        text NOT NULL,             -- ReferentieAanbieder
    soort             text NOT NULL CHECK (soort IN ('toewijzing', 'wijziging')),   -- 315 / 317
    product_categorie text,                      -- 315: the AangevraagdProduct's product
    product_code      text,
    message_id        bigint NOT NULL REFERENCES messages,          -- the 315 or 317
    retour_status     text NOT NULL DEFAULT 'awaiting'
                      CHECK (retour_status IN ('awaiting', 'accepted', 'rejected')),
    state             text NOT NULL DEFAULT 'submitted'
                      CHECK (state IN ('submitted', 'in_onderzoek', 'refused', 'honoured')),
    verzoek_antwoord  text,                      -- VerzoekAntwoord of the answer that decided state
    reden_afwijzing   text,                      -- RedenAfwijzingVerzoek when refused
    answered_by       bigint REFERENCES messages,                   -- that 319
    honoured_by       bigint REFERENCES messages,                   -- the 301 carrying the referentie
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verzoeken_ref ON verzoeken (standard, aanbieder, referentie);
CREATE INDEX verzoeken_client ON verzoeken (standard, aanbieder, client_id);

CREATE TABLE verzoek_antwoorden (
    id               bigserial PRIMARY KEY,
    standard         text NOT NULL,
    gemeente         text NOT NULL,
    aanbieder        text NOT NULL,
    referentie       text NOT NULL,
    verzoek_antwoord text NOT NULL,              -- 1 afgewezen, 2 in onderzoek
    reden_afwijzing  text,
    message_id       bigint NOT NULL REFERENCES messages,           -- the 319
    retour_status    text NOT NULL DEFAULT 'awaiting'
                     CHECK (retour_status IN ('awaiting', 'accepted', 'rejected'))
);
CREATE INDEX verzoek_antwoorden_ref ON verzoek_antwoorden (standard, gemeente, aanbieder, referentie);

-- 301s already read for ReferentieAanbieder (sent by us or accepted from a gemeente).
CREATE TABLE verzoek_scanned_301 (
    message_id bigint PRIMARY KEY REFERENCES messages
);
