/*
 * schemas_int.h - inside libiwmo: what the streaming check (stream.c) needs
 * from the schema set (schemas.c).
 */
#ifndef IWMO_SCHEMAS_INT_H
#define IWMO_SCHEMAS_INT_H

#include <libxml/xmlschemas.h>
#include "iwmo.h"

/* The validation context of t's compiled schema (compiled now if needed), or NULL. */
xmlSchemaValidCtxtPtr iwmo_schemaset_vctxt(iwmo_schemaset *s, const iwmo_msgtype *t);

/* One schema violation as a finding (level 1, 0001, XSD), personal values withheld. */
void iwmo_schema_error_finding(iwmo_findings *f, xmlErrorPtr err, int keep_node);

#endif
