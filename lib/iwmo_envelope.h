/*
 * iwmo_envelope.h - the exchange formats around an iWmo / iJw 3.2 message:
 * the StUF-GGk 0310 envelopes of the Gemeentelijk Gegevensknooppunt (Di01
 * around a heenbericht, Du01 around a retourbericht, the message base64 in
 * GGK:bericht) and the single-file ZIP deliveries of VECOZO.
 *
 * Everything here is pure: it works on buffers the caller hands in, reads no
 * clock and no file (except the envelope XSD, loaded from the directory given
 * to iwmo_envschema_new), and keeps no global state. Problems are reported
 * as findings (iwmo_findings_add) whose code is the chain's error code from
 * the Fo01 list (IBnnn) or the VECOZO list (BRSnn) where one fits, and a
 * stable name otherwise:
 *
 *   IB001  envelope not well-formed, not an envelope, or against the envelope
 *          XSD (including a payload that is not base64)
 *   IB003  envelope larger than the bound derived from the payload limit
 *   IB004  functie not an iWmo / iJw 3.2 message, or of the wrong kind for
 *          the envelope (a retour in a Di01, a heenbericht in a Du01)
 *   IB012  decoded payload larger than the limit (25 MB by default)
 *   BRS14  payload not well-formed XML
 *   envelope-functie-mismatch, envelope-zender-mismatch,
 *   envelope-ontvanger-mismatch   routing disagrees with the payload header
 *   IB901  not a ZIP, a damaged ZIP, or a zip bomb (implausible ratio)
 *   IB902  ZIP with more than one file        IB903  encrypted entry
 *   IB904  entry over the size limit          IB905  empty ZIP
 *   BRS29  ZIP with folders
 *   IB012  (for a ZIP) the archive itself larger than any valid delivery
 */
#ifndef IWMO_ENVELOPE_H
#define IWMO_ENVELOPE_H

#include <stddef.h>
#include <time.h>
#include "iwmo.h"

#define IWMO_GGK_NS   "http://www.stufstandaarden.nl/sectormodel/ggk/0210"
#define IWMO_STUF_NS  "http://www.egem.nl/StUF/StUF0301"
#define IWMO_XMIME_NS "http://www.w3.org/2005/05/xmlmime"

typedef enum {
    IWMO_ENV_NONE = 0,      /* not a StUF-GGk envelope */
    IWMO_ENV_DI01,          /* envelopHeenbericht-ggk_Di01 */
    IWMO_ENV_DU01           /* envelopRetourbericht-ggk_Du01 */
} iwmo_envelope_kind;

/* A sending or receiving system (StUF:zender / StUF:ontvanger). */
typedef struct {
    char organisatie[201];  /* CBS gemeentecode (4 digits), AGB-code (8 digits), "SVB", ... */
    char applicatie[51];
    char administratie[51]; /* empty when absent */
    char gebruiker[101];    /* empty when absent */
} iwmo_stuf_party;

/* What an envelope says, and the payload it carried (owned; iwmo_envelope_free). */
typedef struct {
    iwmo_envelope_kind kind;
    iwmo_stuf_party zender;
    iwmo_stuf_party ontvanger;
    char referentienummer[41];
    char tijdstip[18];
    char cross_refnummer[41];           /* Du01 only */
    char functie[31];                   /* "WMO301", "JW305", ... */
    const iwmo_msgtype *msgtype;        /* the message type functie names */
    char referentienummer_bericht[41];  /* empty when absent */
    char cross_refnummer_bericht[41];   /* Du01 only; empty when absent */
    char applicatie_versie[5], applicatie_subversie[5];
    char functie_versie[5], functie_subversie[5];
    char bestandsnaam[256];             /* empty when absent */
    char content_type[64];
    char *payload;                      /* decoded bytes, NUL-terminated for convenience */
    size_t payload_len;
} iwmo_envelope;

void iwmo_envelope_free(iwmo_envelope *env);

/* ---- envelope schema --------------------------------------------------- */

typedef struct iwmo_envschema iwmo_envschema;

/* dir is the schema directory of iwmo_schemaset_new; the XSD is dir/ggk/ggk-envelop.xsd. */
iwmo_envschema *iwmo_envschema_new(const char *dir);
/* Any envelope XSD by path, e.g. the official ggk0310_msg.xsd (for conformance tests). */
iwmo_envschema *iwmo_envschema_new_file(const char *xsd_path);
void iwmo_envschema_free(iwmo_envschema *s);

/* Validate doc. Returns 0 valid, 1 invalid (IB001 findings), -1 schema unusable. */
int iwmo_envschema_validate(iwmo_envschema *s, xmlDocPtr doc, iwmo_findings *f);

/* ---- recognising and opening an envelope -------------------------------- */

/* Envelope kind of a parsed document, from its root element's name and namespace. */
iwmo_envelope_kind iwmo_envelope_kind_of(xmlDocPtr doc);

/*
 * Envelope kind of raw bytes: a cheap look at the first element only (no
 * DTD, no network, nothing past the root's start tag). IWMO_ENV_NONE for
 * anything else, including text that is not XML.
 */
iwmo_envelope_kind iwmo_envelope_detect(const char *buf, size_t len);

/*
 * Open an envelope: size bound, safe parse (iwmo_parse_safe with lim), XSD
 * (es), the functie, the payload's size, base64 decoding and whether the
 * payload is well-formed XML. The payload limit is lim->max_bytes; the
 * envelope may be as large as that payload in base64 plus 64 KiB. Returns 0
 * with env filled, or -1 with at least one finding (env then holds what was
 * read, no payload). Free env with iwmo_envelope_free in both cases.
 */
int iwmo_envelope_unwrap(iwmo_envschema *es, const char *buf, size_t len,
                         const iwmo_limits *lim, iwmo_envelope *env, iwmo_findings *f);

/*
 * Does the envelope's routing agree with the payload (parsed and identified:
 * an iwmo_result's doc and ident)? functie must be the payload's message
 * name; the organisations follow the GGk convention that a gemeente is named
 * by its CBS gemeentecode and an aanbieder by its AGB-code, i.e. exactly the
 * codes of the payload header. A heenbericht and the 325 carry their own
 * sender in Afzender, so zender = Afzender and ontvanger = Ontvanger; the
 * other retours repeat the heenbericht's header, so there zender = Ontvanger
 * and ontvanger = Afzender. Returns 0 when all agree, else -1 with one
 * finding per disagreement.
 */
int iwmo_envelope_check(const iwmo_envelope *env, xmlDocPtr payload, const iwmo_ident *id,
                        iwmo_findings *f);

/* ---- building envelopes -------------------------------------------------- */

typedef struct {
    const char *referentienummer;        /* the envelope's own, new reference (required, <= 40) */
    const struct tm *tijdstip;           /* tijdstipBericht, as the caller wants it shown (required) */
    const char *referentienummer_bericht;/* NULL: the payload's own identification */
    const char *bestandsnaam;            /* NULL: "<functie>.xml" */
    const char *applicatie_versie;       /* NULL: "0001" */
    const char *applicatie_subversie;    /* NULL: "0000" */
    const char *functie_versie;          /* NULL: the payload's BerichtVersie, 4 digits ("0003") */
    const char *functie_subversie;       /* NULL: the payload's BerichtSubversie ("0002") */
} iwmo_wrap_opts;

/*
 * Di01 around an outbound heenbericht (payload bytes). functie is the
 * payload's message name; zender/ontvanger organisatie are its Afzender and
 * Ontvanger; applicatie (and optionally administratie, gebruiker) come from
 * zender_app / ontvanger_app, whose organisatie field is ignored. Returns the
 * serialised envelope (free()) and its length, or NULL with a finding.
 */
char *iwmo_envelope_wrap_di01(const char *payload, size_t len, const iwmo_limits *lim,
                              const iwmo_stuf_party *zender_app,
                              const iwmo_stuf_party *ontvanger_app,
                              const iwmo_wrap_opts *o, size_t *out_len, iwmo_findings *f);

/*
 * Du01 around the retour (payload bytes) of the heenbericht that came in the
 * Di01 heen: zender and ontvanger swapped, crossRefnummer = heen's
 * referentienummer, crossRefnummerBericht = heen's referentienummerBericht,
 * functie = the retour's message name (which must be heen's retour type).
 * Returns the serialised envelope (free()) or NULL with a finding.
 */
char *iwmo_envelope_wrap_du01(const iwmo_envelope *heen, const char *payload, size_t len,
                              const iwmo_limits *lim, const iwmo_wrap_opts *o,
                              size_t *out_len, iwmo_findings *f);

/* ---- VECOZO ZIP deliveries ------------------------------------------------ */

typedef struct {
    size_t max_entry_bytes;     /* 0: lim->max_bytes */
    unsigned max_ratio;         /* uncompressed/compressed above this is a bomb; 0: 200 */
    size_t ratio_floor;         /* entries smaller than this skip the ratio test; 0: 1 MiB */
} iwmo_zip_limits;

/* Is buf a ZIP archive (local file or end-of-central-directory signature first)? */
int iwmo_zip_detect(const char *buf, size_t len);

/*
 * Unpack a ZIP delivery that must hold exactly one file, not in a folder and
 * not encrypted, no larger than the limit. Declared sizes are checked before
 * reading, and reading stops one byte past the limit whatever was declared,
 * so time and memory stay bounded by the limit. zl may be NULL. On success
 * returns 0, *out (free(), NUL-terminated), *out_len and the entry's name in
 * name; otherwise -1 with one finding.
 */
int iwmo_zip_extract(const char *buf, size_t len, const iwmo_limits *lim,
                     const iwmo_zip_limits *zl, char **out, size_t *out_len,
                     char *name, size_t name_size, iwmo_findings *f);

#endif
