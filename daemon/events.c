/*
 * events.c - the transactional outbox and its ZeroMQ publisher.
 *
 *   process.c, inside the message's transaction:
 *       events_record_message() -> rows in `events` (seq, event_id, topic, body)
 *   iwmod.c, after COMMIT, at start and every loop:
 *       events_publish_pending() -> PUB socket [topic][body], published_at = now()
 *
 * A crash between COMMIT and the send leaves the rows pending, so they go
 * out after the restart with the seq they already had (at-least-once). A
 * send the socket refuses (a subscriber over its high-water mark) is counted
 * as a drop and never blocks processing; the row stays replayable with
 * `iwmoctl events --since`. Bodies name a client only by its keyed
 * pseudonym: no BSN, name or birth date ever enters this file's output.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "declaratie_pieces.h"
#include "events.h"
#include "log.h"
#include "state.h"
#include "xmlutil.h"

#define EVENTS_LOCK "4242002"           /* advisory lock: events commit in seq order */
#define PUBLISH_BATCH 5000              /* rows per read; the plan reads all pending rows after the key */
#define PUBLISH_BATCH_TEXT "5000"
#define SEND_HWM 100000
#define EVENT_ROWS_PER_STATEMENT 1000   /* events written by one statement at most */

/* ---- writing events ----------------------------------------------------- */

int events_lock_commit_order(db *d)
{
    return db_defer(d, "SELECT pg_advisory_xact_lock(" EVENTS_LOCK ")", 0, NULL, NULL, 0);
}

int events_record(db *d, const char *topic, const char *body_json)
{
    const char *p[] = {topic, body_json};
    return db_defer(d,
        "WITH l AS (SELECT pg_advisory_xact_lock(" EVENTS_LOCK ")), "
        "k AS (SELECT nextval(pg_get_serial_sequence('events', 'seq')) AS seq, gen_random_uuid() AS id FROM l) "
        "INSERT INTO events (seq, event_id, topic, body) "
        "SELECT k.seq, k.id, $1, $2::jsonb || jsonb_build_object('seq', k.seq, 'event_id', k.id, "
        "'topic', $1::text, 'time', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) "
        "FROM k", 2, p, NULL, 0);
}

/* Many events in one statement, in array order: rows is a JSON array of
 * {"topic": T, "body": {...}} (the events held until COMMIT, below). */
static int events_record_rows(db *d, json_t *rows)
{
    char *s = json_dumps(rows, JSON_COMPACT);
    if (!s) {
        snprintf(d->err, sizeof(d->err), "cannot encode %zu events", json_array_size(rows));
        return -1;
    }
    const char *p[] = {s};
    int rc = db_defer(d,
        "WITH l AS (SELECT pg_advisory_xact_lock(" EVENTS_LOCK ")), "
        /* worked out once, not per row: the time and the sequence */
        "t AS MATERIALIZED (SELECT to_jsonb(to_char(now() AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) AS time, "
        "pg_get_serial_sequence('events', 'seq')::regclass AS seq), "
        "e AS (SELECT a.x, a.ord FROM l, jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(x, ord) ORDER BY a.ord), "
        "k AS (SELECT nextval(t.seq) AS seq, gen_random_uuid() AS id, "
        "x->>'topic' AS topic, x->'body' AS body FROM e, t) "
        "INSERT INTO events (seq, event_id, topic, body) "
        "SELECT k.seq, k.id, k.topic, k.body || jsonb_build_object('seq', k.seq, 'event_id', k.id, "
        "'topic', k.topic, 'time', t.time) "
        "FROM k, t ORDER BY k.seq", 1, p, NULL, 0);
    free(s);
    return rc;
}

/* ---- events held until COMMIT ---------------------------------------------
 * Inside the spine's transaction (d->defer) an event is not written at once
 * but kept in d->held and written with the others of the transaction by one
 * statement just before COMMIT (events_record_rows keeps their order), so a
 * batch of messages costs one events statement instead of two per message.
 * Every EVENT_ROWS_PER_STATEMENT held events are written at once, which bounds
 * the memory a declaratie's thousands of prestatie events take.
 */

static void held_drop(db *d)
{
    json_decref((json_t *)d->held);
    d->held = NULL;
}

static int held_write(db *d)
{
    int rc = json_array_size((json_t *)d->held) ? events_record_rows(d, d->held) : 0;
    held_drop(d);
    return rc;
}

static int hold(db *d, const char *topic, json_t *body)
{
    if (!d->held) {
        d->held = json_array();
        d->before_commit = held_write;
        d->after_rollback = held_drop;
    }
    json_t *row = json_pack("{s:s, s:O}", "topic", topic, "body", body);
    if (!d->held || !row || json_array_append_new((json_t *)d->held, row) < 0) {
        snprintf(d->err, sizeof(d->err), "out of memory for the event %s", topic);
        return -1;
    }
    return json_array_size((json_t *)d->held) >= EVENT_ROWS_PER_STATEMENT ? held_write(d) : 0;
}

static int record_json(db *d, const char *topic, json_t *body)
{
    if (d->defer)
        return hold(d, topic, body);
    char *s = json_dumps(body, JSON_COMPACT);
    int rc = s ? events_record(d, topic, s) : -1;
    if (!s)
        snprintf(d->err, sizeof(d->err), "cannot encode the event %s", topic);
    free(s);
    return rc;
}

static void set_text(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

static void add_unique(json_t *arr, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
        if (strcmp(json_string_value(x), v) == 0)
            return;
    json_array_append_new(arr, json_string(v));
}

/* Signed cents of an amount element (Bedrag or TotaalBedrag with DebetCredit). */
static int amount_cents(xmlNodePtr n, const char *name, json_int_t *out)
{
    long long v;
    char dc[4];
    if (!n || xu_long(n, name, &v) < 0)
        return -1;
    xu_text(n, "DebetCredit", dc, sizeof(dc));
    *out = strcmp(dc, "C") == 0 ? -v : v;
    return 0;
}

static void set_client(json_t *o, xmlNodePtr client, const char *key)
{
    char bsn[16], pseudo[40];
    if (!client || !*xu_text(client, "Bsn", bsn, sizeof(bsn)))
        return;
    state_pseudonym(key, bsn, pseudo, sizeof(pseudo));
    json_object_set_new(o, "client", json_string(pseudo));
}

/* ---- which codes reject a class (the same decision as the retour, lib/retour.c) --- */

/* The retourcodes the retour gives class cls (NULL = the header), added to arr. */
static void class_codes(const iwmo_result *r, xmlNodePtr cls, json_t *arr)
{
    const char *v[16];
    int n = iwmo_class_codes(r, cls, v, 16);
    for (int i = 0; i < n; i++)
        add_unique(arr, v[i]);
}

/* Codes that reject the whole 323: 0001 for an intra-message rule, else header and declaratie codes. */
static json_t *whole_message_codes(const iwmo_result *r, xmlNodePtr decl)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].level == 2)
            add_unique(arr, "0001");
    if (json_array_size(arr) == 0) {
        class_codes(r, NULL, arr);
        class_codes(r, decl, arr);
    }
    return arr;
}

/* ---- message events ----------------------------------------------------- */

static json_t *retourcodes(const iwmo_result *r, int only_retourcodes)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->findings.count; i++)
        if (!only_retourcodes || strlen(r->findings.items[i].code) == 4)
            add_unique(arr, r->findings.items[i].code);
    return arr;
}

/* The distinct ToewijzingNummers in document order; a 323 names thousands, so
 * the seen set is a hashed JSON object rather than a scan of the array. */
struct toew_list {
    json_t *arr, *seen;
};

static void list_toewijzingen(struct toew_list *l, xmlNodePtr root)
{
    char nr[32];
    for (xmlNodePtr n = xu_first_desc(root, "ToewijzingNummer"); n; n = xu_next_desc(root, n, "ToewijzingNummer"))
        if (*xu_text(n, NULL, nr, sizeof(nr)) && !json_object_get(l->seen, nr)) {
            json_object_set_new(l->seen, nr, json_true());
            json_array_append_new(l->arr, json_string(nr));
        }
}

static int list_piece_toewijzingen(iwmo_result *piece, void *ctx)
{
    list_toewijzingen(ctx, xmlDocGetRootElement(piece->doc));
    return 0;
}

/* The message's ToewijzingNummers, each once; a streamed 323 is read again for them. */
static void add_toewijzingen(json_t *o, const iwmo_result *r)
{
    struct toew_list l = {json_array(), json_object()};
    char err[256];
    if (r->pieces_index)
        for (const char *v = iwmo_strlist_next(&r->pieces_index->nrs, NULL); v;
             v = iwmo_strlist_next(&r->pieces_index->nrs, v)) {
            if (*v && !json_object_get(l.seen, v)) {
                json_object_set_new(l.seen, v, json_true());
                json_array_append_new(l.arr, json_string(v));
            }
        }
    else if (r->pieces_buf)
        pieces_each((iwmo_result *)r, 0, list_piece_toewijzingen, &l, err, sizeof(err));
    else
        list_toewijzingen(&l, xmlDocGetRootElement(r->doc));
    json_decref(l.seen);
    if (json_array_size(l.arr))
        json_object_set_new(o, "toewijzing_nummers", l.arr);
    else
        json_decref(l.arr);
}

/* Document-derived fields: client, toewijzingen, declaratie number and total. */
static void add_content(json_t *o, const events_message *m)
{
    xmlNodePtr root = m->r->doc ? xmlDocGetRootElement(m->r->doc) : NULL;
    if (!root || !m->r->ident.msgtype)
        return;
    set_client(o, xu_child(root, "Client"), m->pseudonym_key);
    add_toewijzingen(o, m->r);
    xmlNodePtr decl = xu_child(root, "Declaratie");
    char nr[32];
    json_int_t cents;
    if (decl && *xu_text(decl, "DeclaratieNummer", nr, sizeof(nr)))
        json_object_set_new(o, "declaratie_nummer", json_string(nr));
    if (decl && amount_cents(xu_child(decl, "TotaalIngediendBedrag"), "TotaalBedrag", &cents) == 0)
        json_object_set_new(o, "amount_cents", json_integer(cents));
}

/* Fields every event about this message carries. */
static json_t *message_base(const events_message *m)
{
    json_t *o = json_object();
    const iwmo_msgtype *t = m->r->ident.msgtype;
    if (t) {
        json_object_set_new(o, "standard", json_string(iwmo_standard_name(t->standard)));
        json_object_set_new(o, "type", json_integer(t->type));
    }
    set_text(o, "direction", m->direction);
    set_text(o, "bericht_id", m->bericht_id);
    set_text(o, "sender", m->sender);
    set_text(o, "receiver", m->receiver);
    if (m->message_id)
        json_object_set_new(o, "message_id", json_integer(m->message_id));
    return o;
}

static json_t *message_body(const events_message *m)
{
    json_t *o = message_base(m);
    set_text(o, "verdict", m->verdict);
    json_object_set_new(o, "retourcodes", retourcodes(m->r, 1));
    set_text(o, "retour_file", m->retour_file);
    add_content(o, m);
    return o;
}

static int is_verdict(const events_message *m, const char *v)
{
    return m->verdict && strcmp(m->verdict, v) == 0;
}

/* The topic of the message's outcome, e.g. "iwmo.305.accepted" or "message.quarantined". */
static void outcome_topic(const events_message *m, char *out, size_t n)
{
    const iwmo_msgtype *t = m->r->ident.msgtype;
    if (is_verdict(m, "refused") || is_verdict(m, "quarantined") || is_verdict(m, "invalid") || !t)
        snprintf(out, n, "message.quarantined");
    else if (is_verdict(m, "duplicate"))
        snprintf(out, n, "message.duplicate");
    else
        snprintf(out, n, "%s.%d.%s", iwmo_standard_name(t->standard), t->type, m->verdict);
}

static int record_quarantined(db *d, const events_message *m)
{
    json_t *o = message_body(m);
    json_object_set_new(o, "reasons", retourcodes(m->r, 0));
    set_text(o, "file", m->claim);
    int rc = record_json(d, "message.quarantined", o);
    json_decref(o);
    return rc;
}

/* ---- 323 prestaties ------------------------------------------------------- */

struct decl_ctx {
    db *d;
    const events_message *m;
    json_t *whole;                      /* codes rejecting the whole message; empty when none */
    char topic[64];
    xmlNodePtr client;                  /* the Client whose pseudonym is below (one HMAC per Client) */
    char pseudonym[40];
};

static json_t *prestatie_body(struct decl_ctx *c, xmlNodePtr cl, xmlNodePtr p, int *rejected)
{
    json_t *o = message_base(c->m);
    json_t *codes = json_array();
    char v[40];
    json_int_t cents;
    json_array_extend(codes, c->whole);
    class_codes(c->m->r, cl, codes);
    class_codes(c->m->r, p, codes);
    *rejected = json_array_size(codes) > 0;
    json_object_set_new(o, "verdict", json_string(*rejected ? "rejected" : "approved"));
    json_object_set_new(o, "retourcodes", codes);
    if (cl != c->client) {
        char bsn[16];
        c->client = cl;
        c->pseudonym[0] = '\0';
        if (cl && *xu_text(cl, "Bsn", bsn, sizeof(bsn)))
            state_pseudonym(c->m->pseudonym_key, bsn, c->pseudonym, sizeof(c->pseudonym));
    }
    set_text(o, "client", c->pseudonym);
    set_text(o, "product_referentie", xu_text(p, "ProductReferentie/ReferentieNummer", v, sizeof(v)));
    set_text(o, "toewijzing_nummer", xu_text(p, "ToewijzingNummer", v, sizeof(v)));
    set_text(o, "product_categorie", xu_text(p, "ProductCategorie", v, sizeof(v)));
    set_text(o, "product_code", xu_text(p, "ProductCode", v, sizeof(v)));
    set_text(o, "periode_begin", xu_text(p, "ProductPeriode/Begindatum", v, sizeof(v)));
    set_text(o, "periode_eind", xu_text(p, "ProductPeriode/Einddatum", v, sizeof(v)));
    if (amount_cents(xu_child(p, "IngediendBedrag"), "Bedrag", &cents) == 0)
        json_object_set_new(o, "amount_cents", json_integer(cents));
    return o;
}

static int record_prestatie(struct decl_ctx *c, xmlNodePtr decl, xmlNodePtr cl, xmlNodePtr p)
{
    int rejected;
    json_t *o = prestatie_body(c, cl, p, &rejected);
    char nr[32];
    set_text(o, "declaratie_nummer", xu_text(decl, "DeclaratieNummer", nr, sizeof(nr)));
    snprintf(c->topic, sizeof(c->topic), "%s.323.prestatie.%s",
             iwmo_standard_name(c->m->r->ident.standard), rejected ? "rejected" : "approved");
    int rc = record_json(c->d, c->topic, o);
    json_decref(o);
    return rc;
}

/* One event per Prestatie of r (the whole 323, or one piece of it). */
static int record_prestaties_of(db *d, const events_message *m, const iwmo_result *r)
{
    events_message pm = *m;
    pm.r = r;
    xmlNodePtr decl = xu_child(xmlDocGetRootElement(r->doc), "Declaratie");
    struct decl_ctx c = {.d = d, .m = &pm, .whole = whole_message_codes(r, decl)};
    int rc = 0;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl && rc == 0; cl = xu_next(cl, "Client"))
        for (xmlNodePtr p = xu_first_desc(cl, "Prestatie"); p && rc == 0; p = xu_next(p, "Prestatie"))
            rc = record_prestatie(&c, decl, cl, p);
    json_decref(c.whole);
    return rc;
}

struct piece_events {
    db *d;
    const events_message *m;
};

static int record_piece_events(iwmo_result *piece, void *ctx)
{
    struct piece_events *pe = ctx;
    return record_prestaties_of(pe->d, pe->m, piece);
}

/* One event per Prestatie of a judged inbound 323; a streamed one is read again. */
static int record_prestaties(db *d, const events_message *m)
{
    if (!m->r->pieces_buf)
        return record_prestaties_of(d, m, m->r);
    struct piece_events pe = {d, m};
    return pieces_each((iwmo_result *)m->r, 0, record_piece_events, &pe, d->err, sizeof(d->err));
}

static int is_judged_323(const events_message *m)
{
    return m->r->ident.msgtype && m->r->ident.type == 323 && m->r->doc &&
           strcmp(m->direction, "in") == 0 && (is_verdict(m, "accepted") || is_verdict(m, "rejected"));
}

static int record_message_event(db *d, const events_message *m, const char *topic)
{
    json_t *o = message_body(m);
    int rc = record_json(d, topic, o);
    json_decref(o);
    return rc;
}

static int record_message_events(db *d, const events_message *m)
{
    const iwmo_msgtype *t = m->r->ident.msgtype;
    char topic[64];
    int rc = 0;
    if (t && strcmp(m->direction, "in") == 0) {
        snprintf(topic, sizeof(topic), "%s.%d.received", iwmo_standard_name(t->standard), t->type);
        rc = record_message_event(d, m, topic);
    }
    outcome_topic(m, topic, sizeof(topic));
    if (rc == 0)
        rc = strcmp(topic, "message.quarantined") == 0 ? record_quarantined(d, m)
                                                       : record_message_event(d, m, topic);
    return rc;
}

int events_record_message_streamed(db *d, const events_message *m)
{
    events_streamed_done(d);
    if (record_message_events(d, m) < 0)
        return -1;
    if (!is_judged_323(m))
        return 0;
    const char *v[1];
    if (iwmo_class_codes(m->r, NULL, v, 1) > 0)
        return record_prestaties(d, m); /* rejected at the header: its lines are not recorded */
    events_message *keep = malloc(sizeof(*keep));
    if (!keep) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        return -1;
    }
    *keep = *m;
    d->piece_events = keep;
    return 0;
}

int events_record_piece(db *d, const iwmo_result *piece)
{
    return d->piece_events ? record_prestaties_of(d, d->piece_events, piece) : 0;
}

void events_streamed_done(db *d)
{
    free(d->piece_events);
    d->piece_events = NULL;
}

int events_record_message(db *d, const events_message *m)
{
    int rc = record_message_events(d, m);
    if (rc == 0 && is_judged_323(m))
        rc = record_prestaties(d, m);
    return rc;
}

/* ---- publishing ---------------------------------------------------------- */

struct events_pub {
    void *ctx;
    void *sock;                         /* NULL: no events.bind, rows are only marked */
    unsigned long dropped;
    unsigned long dropped_logged;
    time_t last_drop_log;
    time_t last_expire;
};

static int set_int(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof(v));
}

/* libzmq binds addresses, not host names: tcp://localhost:P becomes tcp://127.0.0.1:P. */
static void bind_address(const char *ep, char *out, size_t n)
{
    if (strncmp(ep, "tcp://localhost:", 16) == 0)
        snprintf(out, n, "tcp://127.0.0.1:%s", ep + 16);
    else
        snprintf(out, n, "%s", ep);
}

static int setup_socket(events_pub *p, const config *cfg)
{
    if (set_int(p->sock, ZMQ_SNDHWM, SEND_HWM) < 0 || set_int(p->sock, ZMQ_LINGER, 0) < 0 ||
        set_int(p->sock, ZMQ_XPUB_NODROP, 1) < 0)
        return -1;
    if (strchr(cfg->events_bind, '[') && set_int(p->sock, ZMQ_IPV6, 1) < 0)
        return -1;
    if (!cfg->events_curve_secret[0])
        return 0;
    return set_int(p->sock, ZMQ_CURVE_SERVER, 1) < 0 ||
           zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, cfg->events_curve_secret, 41) < 0 ? -1 : 0;
}

events_pub *events_open(const config *cfg, char *err, size_t errsize)
{
    events_pub *p = calloc(1, sizeof(*p));
    if (!p || !cfg->events_bind)
        return p;
    if (cfg->events_curve_secret[0] && !zmq_has("curve")) {
        snprintf(err, errsize, "events: this libzmq has no CURVE support; refusing to publish");
        events_close(p);
        return NULL;
    }
    char addr[512];
    bind_address(cfg->events_bind, addr, sizeof(addr));
    p->ctx = zmq_ctx_new();
    p->sock = p->ctx ? zmq_socket(p->ctx, ZMQ_PUB) : NULL;
    if (!p->sock || setup_socket(p, cfg) < 0 || zmq_bind(p->sock, addr) < 0) {
        snprintf(err, errsize, "events: cannot bind %s: %s", cfg->events_bind, zmq_strerror(zmq_errno()));
        events_close(p);
        return NULL;
    }
    log_msg(LOG_NOTICE, "events: publishing on %s%s", cfg->events_bind,
            cfg->events_curve_secret[0] ? " with CURVE" : "");
    return p;
}

void events_close(events_pub *p)
{
    if (!p)
        return;
    if (p->sock)
        zmq_close(p->sock);
    if (p->ctx)
        zmq_ctx_term(p->ctx);
    free(p);
}

unsigned long events_dropped(const events_pub *p)
{
    return p ? p->dropped : 0;
}

char *events_compact(const char *body_text)
{
    json_error_t e;
    json_t *j = json_loads(body_text, 0, &e);
    char *s = j ? json_dumps(j, JSON_COMPACT) : strdup(body_text);
    json_decref(j);
    return s;
}

/* Two frames, never waiting: a full subscriber queue is a drop, not a stall. */
static void send_one(events_pub *p, const char *topic, const char *body)
{
    if (!p->sock)
        return;
    char *line = events_compact(body);
    const char *payload = line ? line : body;
    if (zmq_send(p->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->sock, payload, strlen(payload), ZMQ_DONTWAIT) < 0)
        p->dropped++;
    free(line);
}

static void log_drops(events_pub *p)
{
    time_t now = time(NULL);
    if (p->dropped == p->dropped_logged || now - p->last_drop_log < 60)
        return;
    log_msg(LOG_WARNING, "events: %lu event(s) dropped for slow subscribers since the last report "
            "(%lu since start); they stay replayable with 'iwmoctl events --since SEQ'",
            p->dropped - p->dropped_logged, p->dropped);
    p->dropped_logged = p->dropped;
    p->last_drop_log = now;
}

/* Send one batch of pending rows after seq *after and mark them; returns the
 * rows handled or -1. Each pass starts again at seq 0 (a lower seq may commit
 * after a higher one when two processes write); within a pass the key moves on,
 * so a pass of many batches does not walk the index entries of the rows it
 * has just marked over and over (they stay until vacuum). */
static long publish_batch(events_pub *p, db *d, char *after, size_t aftersize)
{
    const char *key[] = {after};
    /* Without a socket the rows are only marked: their bodies are not read. */
    PGresult *r = p->sock
        ? db_exec(d, "SELECT seq, topic, body::text FROM events WHERE published_at IS NULL "
                     "AND seq > $1::bigint ORDER BY seq LIMIT " PUBLISH_BATCH_TEXT, 1, key, NULL, 0)
        : db_exec(d, "SELECT seq FROM events WHERE published_at IS NULL "
                     "AND seq > $1::bigint ORDER BY seq LIMIT " PUBLISH_BATCH_TEXT, 1, key, NULL, 0);
    if (!r)
        return -1;
    int n = PQntuples(r);
    if (n)
        snprintf(after, aftersize, "%s", PQgetvalue(r, n - 1, 0));
    char *ids = malloc((size_t)n * 22 + 3);
    size_t o = 0;
    if (ids)
        ids[o++] = '{';
    for (int i = 0; ids && i < n; i++) {
        if (p->sock)
            send_one(p, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        o += (size_t)sprintf(ids + o, "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
    }
    PQclear(r);
    if (!ids)
        return -1;
    sprintf(ids + o, "}");
    const char *prm[] = {ids};
    int rc = n ? db_run(d, "UPDATE events SET published_at = now() WHERE seq = ANY($1::bigint[])", 1, prm) : 0;
    free(ids);
    return rc < 0 ? -1 : n;
}

long events_publish_pending(events_pub *p, db *d)
{
    long total = 0, n;
    char after[24] = "0";
    do {
        n = publish_batch(p, d, after, sizeof(after));
        if (n < 0)
            return -1;
        total += n;
    } while (n == PUBLISH_BATCH);
    log_drops(p);
    return total;
}

long events_expire(events_pub *p, db *d, int retention_days, int force)
{
    time_t now = time(NULL);
    if (!force && p->last_expire && now - p->last_expire < 3600)
        return 0;
    p->last_expire = now;
    char days[16];
    snprintf(days, sizeof(days), "%d", retention_days);
    const char *prm[] = {days};
    PGresult *r = db_exec(d, "DELETE FROM events WHERE published_at IS NOT NULL "
                             "AND created_at < now() - make_interval(days => $1::int)", 1, prm, NULL, 0);
    if (!r)
        return -1;
    long n = atol(PQcmdTuples(r));
    PQclear(r);
    if (n)
        log_msg(LOG_INFO, "events: deleted %ld published event(s) older than %d days", n, retention_days);
    return n;
}

int events_curve_client(void *sock, const config *cfg, char *err, size_t errsize)
{
    char pub[41], sec[41];
    if (!cfg->events_curve_public[0])
        return 0;
    if (zmq_curve_keypair(pub, sec) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, cfg->events_curve_public, 41) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 41) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 41) < 0) {
        snprintf(err, errsize, "cannot set up CURVE: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}
