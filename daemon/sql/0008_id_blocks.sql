-- 0008_id_blocks.sql - message ids and retour identifications are handed
-- out in blocks of 64: one nextval reserves the value it returns and the 63
-- after it for the process that called it (daemon/state.c, id_reserve). A
-- plain nextval (a column default) still gets a value of its own; the rest
-- of its block is simply never used. Gaps are harmless: both only need to
-- be unique.
ALTER SEQUENCE messages_id_seq INCREMENT BY 64;
ALTER SEQUENCE retour_identificatie_seq INCREMENT BY 64;
