-- 0003_declaraties.sql - invoice-line approval (323 -> 325). All money is in
-- integer cents (bigint), never a float. A gemeente records every 323 it
-- received and judged (side 'gemeente'); a provider records the 323s it sent
-- (side 'aanbieder') and fills in the verdicts when the 325 arrives.

-- Contract tariffs for TR418. Operators load them with SQL for now, e.g.
--   INSERT INTO contract_tarieven (standard, gemeente, aanbieder, product_categorie, product_code,
--                                  valid_from, valid_to, tarief_cents, eenheid)
--   VALUES ('iwmo', '0363', NULL, '01', '01A01', '2026-01-01', NULL, 3150, '04');
-- aanbieder NULL applies to every provider; a row naming the provider wins.
-- eenheid NULL applies to every unit. Without a matching row TR418 is not judged.
CREATE TABLE contract_tarieven (
    id                bigserial PRIMARY KEY,
    standard          text NOT NULL CHECK (standard IN ('iwmo', 'ijw')),
    gemeente          text NOT NULL,
    aanbieder         text,
    product_categorie text NOT NULL,
    product_code      text NOT NULL,
    valid_from        date NOT NULL,
    valid_to          date,
    tarief_cents      bigint NOT NULL CHECK (tarief_cents >= 0),
    eenheid           text,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX contract_tarieven_key ON contract_tarieven (standard, gemeente, product_categorie, product_code);

-- One row per recorded 323. Amounts are signed cents (credit negative).
CREATE TABLE declaraties (
    id                  bigserial PRIMARY KEY,
    side                text NOT NULL CHECK (side IN ('gemeente', 'aanbieder')),
    standard            text NOT NULL,
    gemeente            text NOT NULL,
    aanbieder           text NOT NULL,
    declaratie_nummer   text NOT NULL,
    bericht_id          text NOT NULL,
    periode_begin       date NOT NULL,
    periode_eind        date NOT NULL,
    ingediend_cents     bigint NOT NULL,
    toegekend_cents     bigint,                 -- NULL while a provider awaits the 325
    status              text NOT NULL CHECK (status IN ('awaiting', 'approved', 'partial', 'rejected')),
    retourcodes         text[] NOT NULL DEFAULT '{}',
    message_id          bigint NOT NULL REFERENCES messages,
    antwoord_message_id bigint REFERENCES messages
);
CREATE INDEX declaraties_nummer ON declaraties (side, standard, aanbieder, declaratie_nummer);
CREATE INDEX declaraties_relatie ON declaraties (side, standard, gemeente, aanbieder, periode_begin);
CREATE INDEX declaraties_bericht ON declaraties (side, standard, aanbieder, bericht_id);

-- One row per Prestatie. status: awaiting (provider, before the 325), approved, rejected,
-- credited (approved, then cancelled by the approved credit line credited_by).
CREATE TABLE prestaties (
    id                      bigserial PRIMARY KEY,
    declaratie_id           bigint NOT NULL REFERENCES declaraties,
    client_id               bigint NOT NULL REFERENCES clients,
    toewijzing_id           bigint REFERENCES toewijzingen,
    referentie_nummer       text NOT NULL,
    vorig_referentie_nummer text,
    toewijzing_nummer       text NOT NULL,
    product_categorie       text NOT NULL,
    product_code            text NOT NULL,
    periode_begin           date NOT NULL,
    periode_eind            date NOT NULL,
    geleverd_volume         bigint NOT NULL,
    eenheid                 text NOT NULL,
    product_tarief_cents    bigint,
    bedrag_cents            bigint NOT NULL CHECK (bedrag_cents >= 0),
    debet_credit            char(1) NOT NULL CHECK (debet_credit IN ('D', 'C')),
    status                  text NOT NULL CHECK (status IN ('awaiting', 'approved', 'rejected', 'credited')),
    retourcodes             text[] NOT NULL DEFAULT '{}',
    credited_by             bigint REFERENCES prestaties
);
CREATE INDEX prestaties_referentie ON prestaties (referentie_nummer);
CREATE INDEX prestaties_declaratie ON prestaties (declaratie_id);
CREATE INDEX prestaties_toewijzing ON prestaties (toewijzing_id) WHERE status = 'approved';
CREATE INDEX prestaties_sleutel ON prestaties (toewijzing_nummer, periode_begin) WHERE status = 'approved';

-- Volume and money still standing per toewijzing and unit: approved debet lines not credited
-- since (TR322, TR369 add the lines of the message being judged).
CREATE VIEW toewijzing_verbruik AS
    SELECT toewijzing_id, eenheid, sum(geleverd_volume) AS volume, sum(bedrag_cents) AS bedrag_cents
    FROM prestaties
    WHERE debet_credit = 'D' AND status = 'approved' AND toewijzing_id IS NOT NULL
    GROUP BY toewijzing_id, eenheid;

-- Net approved money per relation: approved and later credited debets, minus approved credits.
CREATE VIEW declaratie_saldo AS
    SELECT d.side, d.standard, d.gemeente, d.aanbieder,
           sum(CASE WHEN p.debet_credit = 'D' THEN p.bedrag_cents ELSE -p.bedrag_cents END) AS netto_cents
    FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id
    WHERE p.status IN ('approved', 'credited')
    GROUP BY d.side, d.standard, d.gemeente, d.aanbieder;
