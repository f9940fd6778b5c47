/*
 * declaratie_pieces.h - a big 323 checked piece by piece (lib/stream.c): its
 * findings live on the skeleton and on copies of the rejected Clients in
 * r->doc; these functions move them onto each piece read again, and back.
 */
#ifndef IWMOD_DECLARATIE_PIECES_H
#define IWMOD_DECLARATIE_PIECES_H

#include "iwmo.h"

typedef int (*piece_fn)(iwmo_result *piece, void *ctx);

/*
 * Call fn for every piece of r (a streamed 323) as a result whose document is
 * the piece and whose findings are r's that concern it, on the piece's nodes.
 * With keep != 0, a Client of the piece that has findings afterwards replaces
 * its copy in r->doc, with its findings. 0, the first non-zero fn result, or
 * -1 when a piece cannot be read (err filled).
 */
int pieces_each(iwmo_result *r, int keep, piece_fn fn, void *ctx, char *err, size_t errsize);

/*
 * Put r's findings in the order the checks of a whole document add them: the
 * Declaratie's and the header's first, then those of Clients and credit lines
 * (the first round), then those of debet lines; otherwise as they came.
 */
int pieces_order_findings(iwmo_result *r);

#endif
