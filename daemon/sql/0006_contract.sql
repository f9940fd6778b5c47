-- 0006_contract.sql - what the contract's own rules leave behind (daemon/contract.c,
-- docs/rules.md): start deadlines that were crossed, the wachtlijst with its
-- history, the billing terms of approved prestaties, the art. 12.1 warnings
-- and the contract tariffs iwmod loaded into contract_tarieven. Clients are
-- referred to by clients.id only, never by BSN.

-- When the clock of a toewijzing starts (Bijlage 1 art. 1.5: "binnen tien
-- werkdagen na verzending van een Zorgtoewijzingsbericht"): the Dagtekening of
-- the 301 that first carried it (its sending), else its Toewijzingsdatum, else
-- the day iwmod saw it; never before the Ingangsdatum, because care cannot
-- start before the toewijzing is valid. first_start is the earliest start
-- that was not deleted (StatusAanlevering 3).
CREATE VIEW toewijzing_klok AS
    SELECT t.id AS toewijzing_id, t.standard, t.gemeente, t.aanbieder, t.toewijzing_nummer, t.client_id,
           t.product_categorie, t.product_code, t.toewijzingsdatum, t.ingangsdatum, t.einddatum,
           t.reden_wijziging, t.retour_status, k.sent_on, greatest(k.sent_on, t.ingangsdatum) AS clock_start,
           s.id AS first_start_id, s.begindatum AS first_start
    FROM toewijzingen t
    CROSS JOIN LATERAL (
        SELECT coalesce(
            (SELECT m.bericht_datum FROM toewijzing_history h JOIN messages m ON m.id = h.message_id
             WHERE h.toewijzing_id = t.id ORDER BY h.version LIMIT 1),
            t.toewijzingsdatum,
            (SELECT m.received_at::date FROM messages m WHERE m.id = t.message_id)) AS sent_on) k
    LEFT JOIN LATERAL (
        SELECT s.id, s.begindatum FROM starts s
        WHERE s.standard = t.standard AND s.gemeente = t.gemeente AND s.aanbieder = t.aanbieder
          AND s.client_id = t.client_id AND s.toewijzing_nummer = t.toewijzing_nummer
          AND s.deleted_by IS NULL
        ORDER BY s.begindatum, s.id LIMIT 1) s ON true;

-- A deadline that passed; recorded once per toewijzing and kind.
CREATE TABLE deadline_crossings (
    id            bigserial PRIMARY KEY,
    toewijzing_id bigint NOT NULL REFERENCES toewijzingen,
    kind          text NOT NULL CHECK (kind IN ('start_overdue')),
    clock_start   date NOT NULL,             -- the day the werkdagen count from
    werkdagen     integer NOT NULL,          -- the term that applied
    due_date      date NOT NULL,             -- last day that was still on time
    seen_on       date NOT NULL,             -- iwmod's today when it recorded the crossing
    crossed_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (toewijzing_id, kind)
);

-- The wachtlijst (art. 1 "Wachtlijst", art. 9): one row per period a
-- toewijzing waited past its deadline. The open period has cleared_at NULL;
-- a start (or the end of the toewijzing) closes it and the row stays.
CREATE TABLE wachtlijst (
    id            bigserial PRIMARY KEY,
    toewijzing_id bigint NOT NULL REFERENCES toewijzingen,
    crossing_id   bigint NOT NULL REFERENCES deadline_crossings,
    since         date NOT NULL,             -- first day past the due date (or the day it came back)
    entered_at    timestamptz NOT NULL DEFAULT now(),
    cleared_at    timestamptz,
    cleared_reason text CHECK (cleared_reason IN ('started', 'ended', 'rejected', 'withdrawn')),
    cleared_by    bigint REFERENCES starts,  -- the start that ended the wait
    started_on    date,                      -- that start's Begindatum
    CHECK ((cleared_at IS NULL) = (cleared_reason IS NULL))
);
CREATE UNIQUE INDEX wachtlijst_open ON wachtlijst (toewijzing_id) WHERE cleared_at IS NULL;
CREATE INDEX wachtlijst_toewijzing ON wachtlijst (toewijzing_id);

-- Billing terms of a prestatie once it was approved (art. 12.3 and 12.5).
-- prestatie_id and declaratie_id are rows of 0003_declaraties (no foreign key,
-- so this table stays valid while that module changes).
CREATE TABLE prestatie_termijnen (
    prestatie_id     bigint PRIMARY KEY,
    declaratie_id    bigint NOT NULL,
    periode_eind     date NOT NULL,          -- DeclaratiePeriode Einddatum
    declaration_due  date NOT NULL,          -- periode_eind + declaration_due_weeks
    received_on      date NOT NULL,          -- the day the 323 reached iwmod
    declared_late    boolean NOT NULL,
    payment_due      date NOT NULL,          -- received_on + payment_due_days
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prestatie_termijnen_due ON prestatie_termijnen (payment_due);

-- Warnings that never reject anything (art. 12.1 against OP364).
CREATE TABLE contract_warnings (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('declaratie_without_start')),
    prestatie_id  bigint NOT NULL,
    toewijzing_id bigint REFERENCES toewijzingen,
    warned_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, prestatie_id)
);

-- The contract_tarieven rows (0003_declaraties) that came from the contract
-- file; on every load they are replaced, rows entered by hand are left alone.
CREATE TABLE contract_tarieven_geladen (
    tarief_id bigint PRIMARY KEY,
    file      text NOT NULL,
    line      integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- How far a one-time check has come (the art. 12.1 warning looks at each
-- prestatie once, in id order).
CREATE TABLE contract_progress (
    name    text PRIMARY KEY,
    last_id bigint NOT NULL
);
