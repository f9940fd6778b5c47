/*
 * iwmo.h - public interface of libiwmo, the pure message core of iwmod.
 *
 * libiwmo identifies iWmo 3.2 and iJw 3.2 messages from their bytes, parses
 * them without ever touching the network or the file system on behalf of the
 * document, validates them against the project's XSDs and reports findings.
 * It keeps no global state: everything lives in objects the caller owns.
 */
#ifndef IWMO_H
#define IWMO_H

#include <stddef.h>
#include <libxml/tree.h>

/* A calendar date as days since 1970-01-01 (proleptic Gregorian); comparable with < and ==. */
typedef long iwmo_date;
#define IWMO_NO_DATE (-99999999L)

typedef enum {
    IWMO_STD_UNKNOWN = 0,
    IWMO_STD_IWMO,
    IWMO_STD_IJW
} iwmo_standard;

/* One message type of release 3.2, e.g. iWmo 305 (BerichtCode 418). */
typedef struct {
    iwmo_standard standard;
    int type;               /* 301, 302, ... 325 */
    int berichtcode;        /* COD002 */
    int is_retour;          /* 302, 306, ... */
    int retour_type;        /* for heenberichten: the type of their retour */
    const char *name;       /* "WMO305", "JW305": also the XSD file's base name */
} iwmo_msgtype;

const char *iwmo_standard_name(iwmo_standard s);      /* "iwmo", "ijw", "unknown" */
const iwmo_msgtype *iwmo_msgtype_find(iwmo_standard s, int type);
const iwmo_msgtype *iwmo_msgtype_at(size_t i);         /* NULL past the end */
size_t iwmo_msgtype_count(void);

/* ---- findings ---------------------------------------------------------- */

/*
 * A finding is one thing wrong with a message. code is the retourcode from
 * WJ001 where the standard defines one ("0001" for a schema violation), or a
 * stable error name for a refusal ("unsupported-release"). rule names the
 * rule that found it ("XSD", "TR018", "OP179") or is empty.
 */
typedef struct {
    long line;              /* 0 when not tied to a line */
    char code[32];
    char rule[16];
    char *message;
    xmlNodePtr node;        /* the element it is about, when known (owned by the document) */
    int level;              /* 1 XSD, 2 intra-message rule, 3 cross-message, 4 external source; 0 refusal */
} iwmo_finding;

typedef struct {
    iwmo_finding *items;
    size_t count;
    size_t cap;
    size_t dropped;         /* findings not kept because of max_findings */
    size_t max_findings;    /* 0 = unlimited */
} iwmo_findings;

void iwmo_findings_init(iwmo_findings *f, size_t max_findings);
void iwmo_findings_add(iwmo_findings *f, long line, const char *code,
                       const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Like iwmo_findings_add, for an element: the line comes from the node. */
void iwmo_findings_add_at(iwmo_findings *f, xmlNodePtr node, int level, const char *code,
                          const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void iwmo_findings_free(iwmo_findings *f);

/* ---- limits and safe parsing ------------------------------------------- */

typedef struct {
    size_t max_bytes;       /* default 25 MB (OP179) */
    int max_depth;          /* default 64 elements deep */
    size_t max_findings;    /* findings kept per message, default 100 */
    size_t stream_from;     /* a 323 of this many bytes or more is checked piece by piece; 0 never */
    size_t stream_clients;  /* Clients per piece (default 256) */
} iwmo_limits;

#define IWMO_DEFAULT_MAX_BYTES (25u * 1024u * 1024u)
#define IWMO_DEFAULT_MAX_DEPTH 64
#define IWMO_DEFAULT_STREAM_FROM (4u * 1024u * 1024u)

void iwmo_limits_default(iwmo_limits *l);

/*
 * Parse buf into a DOM with network, DTDs and entities switched off. Any
 * DOCTYPE is refused outright: iStandaarden messages never carry one, and
 * refusing it shuts out external entities and entity expansion bombs alike.
 * Returns the document, or NULL after adding at least one finding to f.
 */
xmlDocPtr iwmo_parse_safe(const char *buf, size_t len, const iwmo_limits *lim,
                          iwmo_findings *f);

/* ---- identification ---------------------------------------------------- */

typedef struct {
    iwmo_standard standard;
    int type;               /* 0 when not known */
    char release[8];        /* "3.2", "2.4"; empty when not known */
    const iwmo_msgtype *msgtype; /* set only for a supported 3.2 type */
} iwmo_ident;

/*
 * Checks on the raw bytes that must come before parsing: empty input, byte
 * order marks, UTF-16, size, Vektis EI flat files. Returns 0 when the bytes
 * may be parsed, -1 after adding a refusal finding.
 */
int iwmo_precheck_bytes(const char *buf, size_t len, const iwmo_limits *lim,
                        iwmo_findings *f);

/*
 * Identify a parsed document from its root element's namespace, then check
 * that the header's BerichtCode, BerichtVersie and BerichtSubversie agree.
 * Returns 0 for a supported 3.2 message whose header agrees, -1 otherwise
 * (with a finding). id is filled as far as it could be determined.
 */
int iwmo_identify_doc(xmlDocPtr doc, iwmo_ident *id, iwmo_findings *f);

/* Split a namespace URI of the form http://www.istandaarden.nl/iwmo/3_2/wmo305/schema. */
int iwmo_parse_namespace(const char *ns, iwmo_standard *std, int *type,
                         char *release, size_t release_size);

/* ---- schemas ----------------------------------------------------------- */

typedef struct iwmo_schemaset iwmo_schemaset;

/* dir holds iwmo/3.2/WMOnnn.xsd and ijw/3.2/JWnnn.xsd. Schemas compile on first use. */
iwmo_schemaset *iwmo_schemaset_new(const char *dir);
void iwmo_schemaset_free(iwmo_schemaset *s);
const char *iwmo_schemaset_dir(const iwmo_schemaset *s);

/* Validate doc against the schema of its type. Returns 0 valid, 1 invalid, -1 schema unusable. */
int iwmo_schema_validate(iwmo_schemaset *s, const iwmo_msgtype *t, xmlDocPtr doc,
                         iwmo_findings *f);

/* ---- the whole check of one message ------------------------------------ */

typedef struct {
    iwmo_ident ident;
    int well_formed;        /* parsed into a document */
    int identified;         /* a supported 3.2 message with an agreeing header */
    int schema_valid;
    int valid;              /* everything passed */
    iwmo_findings findings;
    xmlDocPtr doc;          /* kept when well formed; freed by iwmo_result_free */
    void *class_index;      /* findings by berichtklasse, built on demand (lib/retour.c) */
    /* Set when the message was checked piece by piece (a big 323, lib/stream.c): doc is then
     * only its skeleton (root, Header, Declaratie without Clients) and the pieces are read
     * again from these bytes, which the caller keeps for as long as it uses the result. */
    const char *pieces_buf;
    size_t pieces_len;
    size_t pieces_clients;              /* Clients per piece (limits.stream_clients) */
    long long pieces_approved_cents;    /* the granted total, set by whoever judged the lines */
    struct iwmo_decl_index *pieces_index; /* what it names, gathered by its rules' reading */
    int pieces_ruled;                   /* its rules ran in the same reading (iwmo_check_streamed) */
} iwmo_result;

void iwmo_check_message(iwmo_schemaset *s, const iwmo_limits *lim,
                        const char *buf, size_t len, iwmo_result *r);
void iwmo_result_free(iwmo_result *r);

/* ---- a big declaratie, piece by piece (lib/stream.c) ---------------------- */

/* 1 when buf looks like a 323 of at least lim->stream_from bytes without a DOCTYPE. */
int iwmo_stream_wanted(const char *buf, size_t len, const iwmo_limits *lim);
/*
 * The check of iwmo_check_message in one streaming pass with the schema
 * attached, keeping no tree: r->doc becomes the skeleton, r->pieces_buf buf.
 * Returns -1 (r untouched but zeroed) when the bytes turn out not to be a
 * 323 that can be streamed: parse them whole instead.
 */
int iwmo_check_message_streamed(iwmo_schemaset *s, const iwmo_limits *lim,
                                const char *buf, size_t len, iwmo_result *r);

/*
 * Read a streamed result's pieces again and call fn on each: a document with
 * the message's root, Header, the Declaratie's own elements and the next
 * clients_per_piece Clients (fewer in the last), with the file's line
 * numbers. Every Client is in exactly one piece, in document order; the
 * piece is freed after fn. Returns 0, fn's first non-zero result (which
 * stops the reading), or -1 when the bytes cannot be parsed again.
 */
typedef int (*iwmo_piece_fn)(xmlDocPtr piece, void *ctx);

/* Distinct strings in the order first added (lib/declindex.c). */
typedef struct {
    char *buf;                  /* each string with its NUL, one after the other */
    size_t len, cap, n;
    unsigned *slots;            /* hash of offsets + 1 */
    size_t nslots;
} iwmo_strlist;
int iwmo_strlist_add(iwmo_strlist *l, const char *s);                    /* 0 or -1 */
const char *iwmo_strlist_next(const iwmo_strlist *l, const char *prev);  /* prev NULL: the first */

/* What a streamed 323 names; r->pieces_index, set by iwmo_check_rules when every rule passed. */
typedef struct iwmo_decl_index {
    iwmo_strlist bsns, refs, nrs;   /* Client Bsn, ReferentieNummer, ToewijzingNummer */
    iwmo_strlist vorigs;            /* VorigReferentieNummer of the credit lines */
    iwmo_date *begins;              /* every Prestatie's Begindatum, in document order */
    size_t nbegins, capbegins;
    int debets, credits;            /* any debet line, any credit line */
} iwmo_decl_index;
int iwmo_decl_index_feed(iwmo_decl_index *x, xmlDocPtr piece);           /* 0 or -1 */
void iwmo_decl_index_free(iwmo_decl_index *x);
int iwmo_pieces_each(const iwmo_result *r, size_t clients_per_piece, iwmo_piece_fn fn, void *ctx);

/* ---- retourberichten ---------------------------------------------------- */

typedef struct {
    const char *identificatie;  /* the retour's own identification, at most 12 characters */
    iwmo_date dagtekening;      /* the retour's date */
    const char *xslt_versie;    /* XsltVersie to report with an intra-message (0001) rejection; NULL = omit */
} iwmo_retour_opts;

/*
 * Build the retourbericht of a checked heenbericht (301->302, ..., 323->325)
 * from its findings, per IV028/OP065 (IV087 for the 325):
 *   no findings                -> Header only, no retourcodes (325: 0200 + 8001, totals)
 *   intra-message rule failed  -> Header only with 0001
 *   cross-message or external  -> per class: the rule's code, 0200 for clean classes;
 *                                 only clients with a rejected class are repeated
 * Returns NULL and sets *why when no retour is due: the file was refused,
 * failed the XSD (the sender gets an error, not a retour), or is itself a retour.
 */
xmlDocPtr iwmo_retour_build(const iwmo_result *r, const iwmo_retour_opts *o, const char **why);

/*
 * The retourcodes the retour gives berichtklasse cls (a Client, Prestatie,
 * StartProduct, Declaratie, ...) for the cross-message and external findings
 * that belong to it (not to a class inside it). Writes up to max codes to
 * out and returns how many; 0 means the class itself is clean.
 */
int iwmo_class_codes(const iwmo_result *r, xmlNodePtr cls, const char **out, int max);
void iwmo_class_index_free(iwmo_result *r);     /* called by iwmo_result_free */

/* The namespace of a message type: http://www.istandaarden.nl/iwmo/3_2/wmo305/schema. */
void iwmo_msgtype_namespace(const iwmo_msgtype *t, char *out, size_t n);
void iwmo_basisschema_namespace(iwmo_standard s, char *out, size_t n);
/* Versions of the project's XSDs for a standard (BasisschemaXsdVersie, BerichtXsdVersie). */
const char *iwmo_xsd_version(iwmo_standard s);

/* ---- dates ------------------------------------------------------------- */


iwmo_date iwmo_date_make(int y, int m, int d);              /* IWMO_NO_DATE when not a real date */
iwmo_date iwmo_date_parse(const char *s);                    /* "YYYY-MM-DD"; IWMO_NO_DATE otherwise */
void iwmo_date_format(iwmo_date d, char *out, size_t n);     /* "YYYY-MM-DD" */
void iwmo_date_split(iwmo_date d, int *y, int *m, int *dd);
iwmo_date iwmo_date_add_years(iwmo_date d, int years);       /* 29 Feb + 1y -> 28 Feb */

/* ---- reference data for the external-source rules ----------------------- */

/* Lists that do not come from messages: CBS gemeente codes, product codes per category. */
typedef struct iwmo_refdata iwmo_refdata;

iwmo_refdata *iwmo_refdata_new(void);
void iwmo_refdata_free(iwmo_refdata *r);

/*
 * Load a list from a buffer the caller read (formats: see data/README.md).
 * Return 0, or -1 with "LINE: reason" in err. Loading adds to what is there.
 */
int iwmo_refdata_load_gemeenten(iwmo_refdata *r, const char *buf, size_t len,
                                char *err, size_t errsize);
int iwmo_refdata_load_productcodes(iwmo_refdata *r, iwmo_standard s, const char *buf,
                                   size_t len, char *err, size_t errsize);
size_t iwmo_refdata_gemeente_count(const iwmo_refdata *r);
size_t iwmo_refdata_productcode_count(const iwmo_refdata *r);

/* ---- rules inside one message, and external-source rules ---------------- */

/* What the rules need besides the message: the date they treat as today and the lists. */
typedef struct {
    iwmo_date today;
    const iwmo_refdata *ref;    /* NULL: rules that need a list are skipped */
    int pieces;                 /* the document is one piece of a bigger message: rules that need
                                   the whole message are skipped; run them through iwmo_msgwide */
} iwmo_rule_env;

/*
 * Run every intra-message rule (TR xslt group, CD/CS constraints, BSN
 * elfproef) and every external-source rule that env allows on a
 * schema-valid message. Adds findings; returns how many it added.
 */
int iwmo_rules_check(const iwmo_rule_env *env, xmlDocPtr doc, const iwmo_msgtype *t,
                     iwmo_findings *f);

/* One row per rule: for listings (iwmoctl rules) and tests. NULL past the end. */
typedef struct {
    const char *id;             /* "TR018", "CS002" */
    const char *retourcode;     /* "0001" for intra-message rules */
    int level;                  /* 2 intra-message, 4 external source */
    const char *applies;        /* message names, e.g. "WMO305 WMO307 JW305 JW307" */
    const char *summary;        /* one line, in the project's own words */
} iwmo_rule_info;

const iwmo_rule_info *iwmo_rule_at(size_t i);

/* ---- message-wide rules over a message seen in pieces (323) ---- */

/*
 * A big 323 may be checked piece by piece: each piece holds the message's
 * Header and Declaratie fields and some of its Clients (every Client in
 * exactly one piece, pieces in document order, original line numbers).
 * iwmo_rules_check with env->pieces set runs the rules that fit one piece;
 * this accumulator runs the rest (uniqueness keys, TR315, TR316, TR358,
 * TR416) over all pieces together.
 */
typedef struct iwmo_msgwide iwmo_msgwide;
iwmo_msgwide *iwmo_msgwide_new(const iwmo_msgtype *t);   /* NULL on no memory */
/* Feed one piece, in document order; keeps keys, lines and amounts, not nodes. 0 or -1 (no memory). */
int iwmo_msgwide_feed(iwmo_msgwide *m, xmlDocPtr piece);
/* After the last piece: add the message-wide rules' findings (node NULL, line of the element
 * concerned). Returns how many. */
int iwmo_msgwide_finish(iwmo_msgwide *m, const iwmo_rule_env *env, iwmo_findings *f);
void iwmo_msgwide_free(iwmo_msgwide *m);

/* Run the rules on a checked message when it passed its XSD; updates r->valid. */
void iwmo_check_rules(const iwmo_rule_env *env, iwmo_result *r);
/* The same for a result checked piece by piece (lib/stream.c); iwmo_check_rules calls it. */
void iwmo_check_rules_pieced(const iwmo_rule_env *env, iwmo_result *r);
/*
 * iwmo_check_message_streamed and the rules of env in one reading: schema and
 * rules checked piece by piece as the bytes pass (the rules' findings kept
 * only for a schema-valid message); iwmo_check_rules then has nothing to add.
 */
int iwmo_check_streamed(iwmo_schemaset *s, const iwmo_limits *lim, const iwmo_rule_env *env,
                        const char *buf, size_t len, iwmo_result *r);

/* Serialise a document as UTF-8 with an XML declaration, indented; caller frees with free(). */
char *iwmo_doc_serialise(xmlDocPtr doc, size_t *len);

#endif
