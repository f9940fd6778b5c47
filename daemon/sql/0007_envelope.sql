-- 0007_envelope.sql - how a message arrived: in a StUF-GGk envelope (its kind and
-- references, so a Du01 retour can point back at them) and/or in a VECOZO ZIP.
ALTER TABLE messages
    ADD COLUMN envelope             text CHECK (envelope IN ('Di01', 'Du01')),
    ADD COLUMN envelope_ref         text,
    ADD COLUMN envelope_ref_bericht text,
    ADD COLUMN zip_entry            text;
