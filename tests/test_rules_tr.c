/*
 * test_rules_tr.c - the intra-message technical rules (xslt group). Every
 * rule gets, for each standard it applies to, variants of the valid samples
 * that pass and that fail it. Each variant is first proved schema-valid, so
 * the rule and not the schema is what rejects it. The unmodified samples
 * pass every TR rule of the group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include "iwmo.h"
#include "testutil.h"

static iwmo_schemaset *set;
static iwmo_limits limits;
static iwmo_rule_env env;

static const char *const tr_ids[] = {
    "TR002", "TR006", "TR018", "TR061", "TR101", "TR134", "TR137", "TR302", "TR315", "TR316", "TR335",
    "TR342", "TR352", "TR353", "TR358", "TR377", "TR380", "TR383", "TR386", "TR409", "TR410", "TR416",
};
#define NIDS (sizeof(tr_ids) / sizeof(tr_ids[0]))

/* A change to a sample: replace the nth occurrence of from by to; or, with
 * op 'd' / 'c', delete or duplicate the nth element whose local name is from. */
typedef struct {
    const char *from;
    const char *to;
    int nth;
    char op;            /* 0 string replace, 'd' delete element, 'c' copy element after itself */
} edit;

typedef struct {
    const char *rule;
    const char *sample;         /* "iwmo/WMO301" */
    int fails;                  /* 1: the rule must report; 0: it must not */
    edit edits[4];
} tcase;

#define DEL(name, n) {name, NULL, n, 'd'}
#define DUP(name, n) {name, NULL, n, 'c'}

static const char *const JW319_WPB =
    "<jw319:Woonplaatsbeginsel><jw319:Gemeente>0363</jw319:Gemeente></jw319:Woonplaatsbeginsel>"
    "</jw319:Antwoord>";

/* A second NieuwProduct for WMO317 (product 03/03A01, from 2026-09-01) and JW317 (45/45A50). */
#define NIEUW(pfx, cat, code, from)                                                          \
    "<NieuwProduct><Product><" pfx ":Categorie>" cat "</" pfx ":Categorie><" pfx ":Code>" code \
    "</" pfx ":Code></Product><GewensteIngangsdatum>" from "</GewensteIngangsdatum>"          \
    "</NieuwProduct></NieuweProducten>"

static const tcase cases[] = {
    /* TR002: birth date at most 120 years before Dagtekening (2026-03-02 in WMO301) */
    {"TR002", "iwmo/WMO301", 0, {{"1948-05-14", "1906-03-02", 0, 0}}},
    {"TR002", "iwmo/WMO301", 1, {{"1948-05-14", "1906-03-01", 0, 0}}},
    {"TR002", "iwmo/WMO301", 0, {{"1948-05-14</iwmo:Datum>", "1900-01-01</iwmo:Datum>"
                                  "<iwmo:DatumGebruik>3</iwmo:DatumGebruik>", 0, 0}}},
    {"TR002", "iwmo/WMO305", 1, {{"1948-05-14", "1900-01-01", 0, 0}}},
    {"TR002", "iwmo/WMO307", 1, {{"1948-05-14", "1900-01-01", 0, 0}}},
    {"TR002", "iwmo/WMO315", 1, {{"1975-09-03", "1900-01-01", 0, 0}}},
    {"TR002", "ijw/JW301", 1, {{"2014-03-01", "1900-01-01", 0, 0}}},
    {"TR002", "ijw/JW301", 1, {{"1985-05-20", "1900-01-01", 0, 0}}},   /* a relation's */
    {"TR002", "ijw/JW301", 0, {{"2014-03-01", "1900-01-01", 0, 0},
                               {"<ijw:DatumGebruik>1<", "<ijw:DatumGebruik>3<", 0, 0}}},
    {"TR002", "ijw/JW305", 1, {{"2014-03-01", "1900-01-01", 0, 0}}},
    {"TR002", "ijw/JW307", 1, {{"2014-03-01", "1900-01-01", 0, 0}}},
    {"TR002", "ijw/JW315", 1, {{"2014-03-01", "1900-01-01", 0, 0}}},
    {"TR002", "ijw/JW315", 0, {{"2014-03-01", "1910-01-01", 0, 0}}},
    /* TR006: Contact has Telefoon or Huis + Postcode */
    {"TR006", "iwmo/WMO301", 1, {{"<iwmo:Postcode>1011AB</iwmo:Postcode>", "", 0, 0}}},
    {"TR006", "iwmo/WMO301", 1, {DEL("Telefoon", 0)}},
    {"TR006", "iwmo/WMO301", 0, {DEL("Emailadres", 0)}},
    {"TR006", "ijw/JW301", 1, {DEL("Telefoon", 0), DEL("Huis", 0)}},
    {"TR006", "ijw/JW301", 1, {DEL("Huis", 1)}},
    {"TR006", "ijw/JW301", 0, {DEL("Straatnaam", 0)}},
    /* TR018: StopProduct Einddatum >= Begindatum */
    {"TR018", "iwmo/WMO307", 1, {{">2026-09-30</Einddatum>", ">2026-03-08</Einddatum>", 0, 0}}},
    {"TR018", "iwmo/WMO307", 0, {{">2026-09-30</Einddatum>", ">2026-03-09</Einddatum>", 0, 0}}},
    {"TR018", "ijw/JW307", 1, {{">2026-06-30</Einddatum>", ">2026-02-02</Einddatum>", 0, 0}}},
    {"TR018", "ijw/JW307", 0, {{">2026-06-30</Einddatum>", ">2026-02-03</Einddatum>", 0, 0}}},
    /* TR061: the client has an address of Soort 01, 02 or 03 */
    {"TR061", "iwmo/WMO301", 1, {{"<Soort>01</Soort>", "<Soort>04</Soort>", 0, 0}}},
    {"TR061", "iwmo/WMO301", 0, {{"<Soort>01</Soort>", "<Soort>03</Soort>", 0, 0}}},
    {"TR061", "ijw/JW301", 1, {{"<Soort>01</Soort>", "<Soort>04</Soort>", 1, 0}}},
    {"TR061", "ijw/JW301", 0, {{"<Soort>01</Soort>", "<Soort>02</Soort>", 1, 0}}},
    /* TR101: no duplicate logical keys */
    {"TR101", "iwmo/WMO301", 1, {{">100002<", ">100001<", 0, 0}}},
    {"TR101", "iwmo/WMO301", 1, {DUP("Relatie", 0)}},
    {"TR101", "iwmo/WMO301", 1, {DUP("Contact", 1)}},
    {"TR101", "iwmo/WMO305", 1, {DUP("StartProduct", 0)}},
    {"TR101", "iwmo/WMO305", 0, {DUP("StartProduct", 0),
                                 {">2026-03-09</wmo305:Begindatum>", ">2026-03-10</wmo305:Begindatum>", 0, 0}}},
    {"TR101", "iwmo/WMO307", 1, {DUP("StopProduct", 0)}},
    {"TR101", "iwmo/WMO307", 0, {DUP("StopProduct", 0), {"<RedenBeeindiging>23<", "<RedenBeeindiging>02<", 0, 0}}},
    {"TR101", "iwmo/WMO315", 1, {{"VOT2026-0043", "VOT2026-0042", 0, 0}}},
    {"TR101", "iwmo/WMO317", 1, {DUP("OngewijzigdProduct", 0)}},
    {"TR101", "iwmo/WMO317", 1, {DUP("NieuwProduct", 0)}},
    {"TR101", "iwmo/WMO323", 1, {DUP("Prestatie", 0)}},
    {"TR101", "iwmo/WMO323", 1, {{">999990032<", ">999990019<", 0, 0}}},   /* same Bsn twice: a duplicate Client */
    {"TR101", "iwmo/WMO325", 1, {DUP("Prestatie", 0)}},
    {"TR101", "ijw/JW301", 1, {DUP("ToegewezenProduct", 1)}},
    {"TR101", "ijw/JW305", 1, {DUP("StartProduct", 1)}},
    {"TR101", "ijw/JW307", 1, {DUP("StopProduct", 0)}},
    {"TR101", "ijw/JW315", 1, {{"AANVR-2026-0002", "AANVR-2026-0001", 0, 0}}},
    {"TR101", "ijw/JW317", 1, {DUP("TeWijzigenProduct", 0)}},
    {"TR101", "ijw/JW323", 1, {DUP("Client", 1)}},
    {"TR101", "ijw/JW323", 0, {{"PR2026100004", "PR2026100001", 0, 0}}},   /* other client */
    {"TR101", "ijw/JW325", 1, {DUP("Prestatie", 0)}},
    /* TR134: dates of past events not after Dagtekening */
    {"TR134", "iwmo/WMO301", 1, {{">2026-03-02</Toewijzingsdatum>", ">2026-03-03</Toewijzingsdatum>", 0, 0}}},
    {"TR134", "iwmo/WMO301", 1, {{"1948-05-14", "2026-03-03", 0, 0}}},
    {"TR134", "iwmo/WMO305", 1, {{">2026-03-09</wmo305:Begindatum>", ">2026-03-11</wmo305:Begindatum>", 0, 0}}},
    {"TR134", "iwmo/WMO305", 0, {{">2026-03-09</wmo305:Begindatum>", ">2026-03-10</wmo305:Begindatum>", 0, 0}}},
    {"TR134", "iwmo/WMO307", 1, {{">2026-09-30</Einddatum>", ">2026-10-03</Einddatum>", 0, 0}}},
    {"TR134", "iwmo/WMO315", 1, {{"1975-09-03", "2026-05-21", 0, 0}}},
    {"TR134", "iwmo/WMO323", 1, {{"2026-11-05</m:DeclaratieDagtekening>", "2026-11-06</m:DeclaratieDagtekening>", 0, 0}}},
    {"TR134", "iwmo/WMO325", 1, {{"2026-11-05</iwmo:Dagtekening>", "2026-11-21</iwmo:Dagtekening>", 0, 0}}},
    {"TR134", "ijw/JW301", 1, {{"2026-01-26</Toewijzingsdatum>", "2026-01-27</Toewijzingsdatum>", 0, 0}}},
    {"TR134", "ijw/JW305", 1, {{"2026-02-03</m:Begindatum>", "2026-02-06</m:Begindatum>", 0, 0}}},
    {"TR134", "ijw/JW307", 1, {{"2026-06-30</Einddatum>", "2026-07-03</Einddatum>", 0, 0}}},
    {"TR134", "ijw/JW307", 0, {{"2026-06-30</Einddatum>", "2026-07-02</Einddatum>", 0, 0}}},
    {"TR134", "ijw/JW315", 1, {{"2014-03-01", "2026-01-13", 0, 0}}},
    {"TR134", "ijw/JW323", 1, {{"2026-11-05</DeclaratieDagtekening>", "2026-11-06</DeclaratieDagtekening>", 0, 0}}},
    {"TR134", "ijw/JW325", 1, {{"2026-10-01</ijw:Begindatum>", "2026-11-19</ijw:Begindatum>", 0, 0},
                               {"2026-10-31</ijw:Einddatum>", "2026-11-19</ijw:Einddatum>", 0, 0}}},
    /* TR137: period end >= begin and <= Dagtekening */
    {"TR137", "iwmo/WMO323", 1, {{"2026-10-31</b:Einddatum>", "2026-11-06</b:Einddatum>", 1, 0}}},
    {"TR137", "iwmo/WMO323", 1, {{"2026-10-31</b:Einddatum>", "2026-09-30</b:Einddatum>", 1, 0}}},
    {"TR137", "iwmo/WMO323", 0, {{"2026-10-31</b:Einddatum>", "2026-11-05</b:Einddatum>", 1, 0}}},
    {"TR137", "iwmo/WMO325", 1, {{"2026-10-31</iwmo:Einddatum>", "2026-11-21</iwmo:Einddatum>", 0, 0}}},
    {"TR137", "ijw/JW323", 1, {{"2026-10-31</ijw:Einddatum>", "2026-11-06</ijw:Einddatum>", 0, 0}}},
    {"TR137", "ijw/JW325", 1, {{"2026-10-31</ijw:Einddatum>", "2026-09-30</ijw:Einddatum>", 0, 0}}},
    /* TR302: the same product assigned for overlapping periods */
    {"TR302", "iwmo/WMO301", 1, {{"<iwmo:Categorie>07<", "<iwmo:Categorie>01<", 0, 0},
                                 {"<iwmo:Code>07A02<", "<iwmo:Code>01A01<", 0, 0}}},
    {"TR302", "iwmo/WMO301", 1, {{"<iwmo:Categorie>07<", "<iwmo:Categorie>01<", 0, 0},
                                 {"<iwmo:Code>07A02</iwmo:Code>", "", 0, 0}}},   /* category level */
    {"TR302", "iwmo/WMO301", 1, {DEL("Product", 1)}},                            /* no product at all */
    {"TR302", "iwmo/WMO301", 0, {{"<iwmo:Categorie>07<", "<iwmo:Categorie>01<", 0, 0},
                                 {"<iwmo:Code>07A02<", "<iwmo:Code>01A01<", 0, 0},
                                 {">2026-12-31</Einddatum>", ">2026-03-09</Einddatum>"
                                  "<RedenWijziging>13</RedenWijziging>", 0, 0}}},  /* withdrawn */
    {"TR302", "iwmo/WMO301", 0, {{"<iwmo:Categorie>01<", "<iwmo:Categorie>11<", 0, 0},
                                 {"<iwmo:Categorie>07<", "<iwmo:Categorie>11<", 0, 0},
                                 {"<iwmo:Code>07A02<", "<iwmo:Code>01A01<", 0, 0}}},  /* 11 may stack */
    {"TR302", "iwmo/WMO301", 0, {{"<iwmo:Categorie>07<", "<iwmo:Categorie>01<", 0, 0},
                                 {"<iwmo:Code>07A02<", "<iwmo:Code>01A02<", 0, 0}}},  /* other code */
    {"TR302", "ijw/JW301", 1, {{"<ijw:Categorie>42<", "<ijw:Categorie>45<", 0, 0},
                               {"<ijw:Code>42A01<", "<ijw:Code>45A48<", 0, 0}}},
    {"TR302", "ijw/JW301", 0, {{"<ijw:Categorie>42<", "<ijw:Categorie>45<", 0, 0},
                               {"<ijw:Code>42A01<", "<ijw:Code>45A48<", 0, 0},
                               {">2026-12-31</Einddatum>", ">2026-04-30</Einddatum>", 0, 0},
                               {">2026-02-01</Ingangsdatum>", ">2026-05-01</Ingangsdatum>", 1, 0}}},
    {"TR302", "ijw/JW301", 1, {{"<ijw:Categorie>42<", "<ijw:Categorie>45<", 0, 0},
                               {"<ijw:Code>42A01<", "<ijw:Code>45A48<", 0, 0},
                               {">2026-12-31</Einddatum>", ">2026-05-01</Einddatum>", 0, 0},
                               {">2026-02-01</Ingangsdatum>", ">2026-05-01</Ingangsdatum>", 1, 0}}},
    /* TR315: VorigReferentieNummer unique */
    {"TR315", "iwmo/WMO323", 1, {{"P2026000103</b:ReferentieNummer>", "P2026000103</b:ReferentieNummer>"
                                  "<b:VorigReferentieNummer>P2026000088</b:VorigReferentieNummer>", 0, 0}}},
    {"TR315", "iwmo/WMO323", 0, {{"P2026000103</b:ReferentieNummer>", "P2026000103</b:ReferentieNummer>"
                                  "<b:VorigReferentieNummer>P2026000089</b:VorigReferentieNummer>", 0, 0}}},
    {"TR315", "ijw/JW323", 1, {{"PR2026100003</ijw:ReferentieNummer>", "PR2026100003</ijw:ReferentieNummer>"
                                "<ijw:VorigReferentieNummer>PR2026090001</ijw:VorigReferentieNummer>", 0, 0}}},
    /* TR316: no crediting of a Prestatie of the same message */
    {"TR316", "iwmo/WMO323", 1, {{">P2026000088<", ">P2026000101<", 0, 0}}},
    {"TR316", "iwmo/WMO323", 0, {{">P2026000088<", ">P2026000099<", 0, 0}}},
    {"TR316", "ijw/JW323", 1, {{">PR2026090001<", ">PR2026100006<", 0, 0}}},
    /* TR335: period end at most 5 years before DeclaratieDagtekening (2026-11-05) */
    {"TR335", "iwmo/WMO323", 1, {{">2026-09-01<", ">2021-10-01<", 0, 0}, {">2026-09-30<", ">2021-11-04<", 0, 0}}},
    {"TR335", "iwmo/WMO323", 0, {{">2026-09-01<", ">2021-10-01<", 0, 0}, {">2026-09-30<", ">2021-11-05<", 0, 0}}},
    {"TR335", "ijw/JW323", 1, {{">2026-09-01<", ">2020-09-01<", 0, 0}, {">2026-09-30<", ">2020-09-30<", 0, 0}}},
    /* TR342: answer holds only refused Prestaties that explain the difference */
    {"TR342", "iwmo/WMO325", 1, {{">145305<", ">145304<", 0, 0}}},
    {"TR342", "iwmo/WMO325", 1, {{"<wmo325:RetourCode>0611<", "<wmo325:RetourCode>0200<", 0, 0}}},
    {"TR342", "iwmo/WMO325", 1, {{"<wmo325:RetourCode>0200<", "<wmo325:RetourCode>9333<", 2, 0}}},
    {"TR342", "iwmo/WMO325", 0, {{"<wmo325:RetourCode>0200<", "<wmo325:RetourCode>9333<", 2, 0},
                                 {">145305<", ">0<", 0, 0}, DEL("Clienten", 0)}},
    {"TR342", "ijw/JW325", 1, {{">742250<", ">742251<", 0, 0}}},
    /* 8001 (fully granted, IV087) is no refusal: an answer without Prestaties granting all passes */
    {"TR342", "iwmo/WMO325", 0, {{"<wmo325:RetourCode>0200<", "<wmo325:RetourCode>8001<", 2, 0},
                                 {">145305<", ">183105<", 0, 0}, DEL("Clienten", 0)}},
    {"TR342", "ijw/JW325", 0, {{">742250<", ">793850<", 0, 0}, DEL("Clienten", 0)}},
    /* TR352 / TR353: what a change request must contain */
    {"TR352", "iwmo/WMO317", 1, {DEL("OngewijzigdeProducten", 0), DEL("TeWijzigenProducten", 0)}},
    {"TR352", "iwmo/WMO317", 0, {DEL("OngewijzigdeProducten", 0)}},
    {"TR352", "ijw/JW317", 1, {DEL("OngewijzigdeProducten", 0), DEL("TeWijzigenProducten", 0)}},
    {"TR352", "ijw/JW317", 0, {DEL("TeWijzigenProducten", 0), DEL("NieuweProducten", 0)}},
    {"TR353", "iwmo/WMO317", 1, {DEL("TeWijzigenProducten", 0), DEL("NieuweProducten", 0)}},
    {"TR353", "iwmo/WMO317", 0, {DEL("OngewijzigdeProducten", 0), DEL("TeWijzigenProducten", 0)}},
    {"TR353", "ijw/JW317", 1, {DEL("TeWijzigenProducten", 0), DEL("NieuweProducten", 0)}},
    {"TR353", "ijw/JW317", 0, {DEL("NieuweProducten", 0)}},
    /* TR358: declared total equals the signed sum */
    {"TR358", "iwmo/WMO323", 1, {{">183105<", ">183106<", 0, 0}}},
    {"TR358", "iwmo/WMO323", 0, {{"<b:DebetCredit>C<", "<b:DebetCredit>D<", 0, 0}, {">183105<", ">258705<", 0, 0}}},
    {"TR358", "ijw/JW323", 1, {{"<ijw:DebetCredit>C<", "<ijw:DebetCredit>D<", 0, 0}}},
    {"TR358", "ijw/JW323", 0, {{">70000<", ">70001<", 0, 0}, {">70000<", ">70001<", 0, 0}}},
    /* TR377 / TR409: Woonplaatsbeginsel exactly with reason 8 (iJw only) */
    {"TR377", "ijw/JW319", 1, {{"RedenAfwijzingVerzoek>2<", "RedenAfwijzingVerzoek>8<", 0, 0}}},
    {"TR377", "ijw/JW319", 0, {{"RedenAfwijzingVerzoek>2<", "RedenAfwijzingVerzoek>8<", 0, 0},
                               {"</jw319:Antwoord>", NULL, 0, 'w'}}},
    {"TR409", "ijw/JW319", 1, {{"</jw319:Antwoord>", NULL, 0, 'w'}}},
    {"TR409", "ijw/JW319", 0, {{"RedenAfwijzingVerzoek>2<", "RedenAfwijzingVerzoek>8<", 0, 0},
                               {"</jw319:Antwoord>", NULL, 0, 'w'}}},
    /* TR380: a new product's wished start lies after Dagtekening */
    {"TR380", "iwmo/WMO317", 1, {{">2026-07-01</GewensteIngangsdatum>", ">2026-06-15</GewensteIngangsdatum>", 1, 0}}},
    {"TR380", "iwmo/WMO317", 0, {{">2026-07-01</GewensteIngangsdatum>", ">2026-06-16</GewensteIngangsdatum>", 1, 0}}},
    {"TR380", "iwmo/WMO317", 0, {{">2026-07-01</GewensteIngangsdatum>", ">2026-01-01</GewensteIngangsdatum>", 0, 0}}},
    {"TR380", "ijw/JW317", 1, {{">2026-10-01</GewensteIngangsdatum>", ">2026-08-10</GewensteIngangsdatum>", 0, 0}}},
    /* TR383: ReferentieAanbieder unique per AangevraagdProduct */
    {"TR383", "iwmo/WMO315", 1, {{"VOT2026-0043", "VOT2026-0042", 0, 0}}},
    {"TR383", "iwmo/WMO315", 0, {{"VOT2026-0043", "VOT2026-0044", 0, 0}}},
    {"TR383", "ijw/JW315", 1, {{"AANVR-2026-0002", "AANVR-2026-0001", 0, 0}}},
    /* TR386: the same product requested for overlapping periods */
    {"TR386", "iwmo/WMO315", 1, {{"<iwmo:Categorie>06<", "<iwmo:Categorie>02<", 0, 0},
                                 {"<iwmo:Code>06B01<", "<iwmo:Code>02A03<", 0, 0},
                                 {">2026-06-01</vot:ToewijzingIngangsdatum>",
                                  ">2026-11-30</vot:ToewijzingIngangsdatum>", 1, 0}}},
    {"TR386", "iwmo/WMO315", 0, {{"<iwmo:Categorie>06<", "<iwmo:Categorie>02<", 0, 0},
                                 {"<iwmo:Code>06B01<", "<iwmo:Code>02A03<", 0, 0},
                                 {">2026-06-01</vot:ToewijzingIngangsdatum>",
                                  ">2026-12-01</vot:ToewijzingIngangsdatum>", 1, 0}}},
    {"TR386", "iwmo/WMO315", 1, {DEL("Product", 1)}},
    {"TR386", "ijw/JW315", 1, {{"<ijw:Categorie>42<", "<ijw:Categorie>45<", 0, 0},
                               {"<ijw:Code>42A01</ijw:Code>", "", 0, 0}}},
    {"TR386", "ijw/JW315", 0, {{"<ijw:Categorie>42<", "<ijw:Categorie>43<", 0, 0}}},
    /* TR410: NieuwProducten of the same product with overlapping periods */
    {"TR410", "iwmo/WMO317", 1, {{"</NieuweProducten>", NIEUW("iwmo", "03", "03A01", "2026-09-01"), 0, 0}}},
    {"TR410", "iwmo/WMO317", 0, {{"</NieuweProducten>", NIEUW("iwmo", "03", "03A01", "2027-01-01"), 0, 0}}},
    {"TR410", "iwmo/WMO317", 0, {{"</NieuweProducten>", NIEUW("iwmo", "03", "03A02", "2026-09-01"), 0, 0}}},
    {"TR410", "ijw/JW317", 1, {{"</NieuweProducten>", NIEUW("ijw", "45", "45A50", "2026-12-31"), 0, 0}}},
    {"TR410", "ijw/JW317", 0, {{"</NieuweProducten>", NIEUW("ijw", "45", "45A50", "2027-01-01"), 0, 0}}},
    /* TR416: one debit Prestatie per assignment, product and period */
    {"TR416", "iwmo/WMO323", 1, {{"<b:DebetCredit>C<", "<b:DebetCredit>D<", 0, 0}}},
    {"TR416", "iwmo/WMO323", 0, {{"<b:DebetCredit>C<", "<b:DebetCredit>D<", 0, 0}, {">100001<", ">100002<", 1, 0}}},
    {"TR416", "ijw/JW323", 1, {{"<ijw:DebetCredit>C<", "<ijw:DebetCredit>D<", 0, 0}}},
    {"TR416", "ijw/JW323", 0, {{"<ijw:DebetCredit>C<", "<ijw:DebetCredit>D<", 0, 0}, {">2026-09-30<", ">2026-09-29<", 0, 0}}},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- building variants --------------------------------------------------- */

static char *load_sample(const char *sample, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s.xml", tu_source_dir(), sample);
    char *b = tu_read(path, len);
    if (!b)
        fail_msg("missing sample %s", path);
    return b;
}

/* Replace the nth occurrence of from by to; the buffer is reallocated. */
static char *replace_nth(char *buf, const char *from, const char *to, int nth, const char *what)
{
    char *p = strstr(buf, from);
    for (int i = 0; p && i < nth; i++)
        p = strstr(p + 1, from);
    if (!p)
        fail_msg("%s: '%s' (occurrence %d) not found", what, from, nth);
    size_t head = (size_t)(p - buf), fl = strlen(from), tl = strlen(to), rest = strlen(p + fl);
    char *out = malloc(head + tl + rest + 1);
    memcpy(out, buf, head);
    memcpy(out + head, to, tl);
    memcpy(out + head + tl, p + fl, rest + 1);
    free(buf);
    return out;
}

static xmlNodePtr nth_element(xmlNodePtr n, const char *name, int *nth)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, name) == 0 && (*nth)-- == 0)
            return n;
        xmlNodePtr hit = nth_element(n->children, name, nth);
        if (hit)
            return hit;
    }
    return NULL;
}

/* Delete or duplicate the nth element with that local name, via the DOM. */
static char *dom_edit(char *buf, const edit *e, const char *what)
{
    xmlDocPtr doc = xmlReadMemory(buf, (int)strlen(buf), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    int nth = e->nth;
    xmlNodePtr n = nth_element(xmlDocGetRootElement(doc), e->from, &nth);
    if (!n)
        fail_msg("%s: element %s #%d not found", what, e->from, e->nth);
    if (e->op == 'd') {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    } else {
        xmlAddNextSibling(n, xmlCopyNode(n, 1));
    }
    xmlChar *out;
    int len;
    xmlDocDumpMemory(doc, &out, &len);
    xmlFreeDoc(doc);
    free(buf);
    char *s = strdup((const char *)out);
    xmlFree(out);
    return s;
}

static char *build_variant(const tcase *t, const char *what)
{
    size_t len;
    char *buf = load_sample(t->sample, &len);
    for (size_t i = 0; i < 4 && t->edits[i].from; i++) {
        const edit *e = &t->edits[i];
        if (e->op == 'd' || e->op == 'c')
            buf = dom_edit(buf, e, what);
        else if (e->op == 'w')
            buf = replace_nth(buf, e->from, JW319_WPB, e->nth, what);
        else
            buf = replace_nth(buf, e->from, e->to, e->nth, what);
    }
    return buf;
}

/* ---- running the rules ----------------------------------------------------- */

static int is_tr_id(const char *id)
{
    for (size_t i = 0; i < NIDS; i++)
        if (strcmp(id, tr_ids[i]) == 0)
            return 1;
    return 0;
}

/* Check buf as a schema-valid message, then run the rules into out. */
static void run_rules(const char *buf, const char *what, iwmo_findings *out)
{
    iwmo_result r;
    iwmo_check_message(set, &limits, buf, strlen(buf), &r);
    if (!r.valid)
        fail_msg("%s: variant not schema-valid: line %ld %s %s", what,
                 r.findings.count ? r.findings.items[0].line : 0L,
                 r.findings.count ? r.findings.items[0].code : "",
                 r.findings.count ? r.findings.items[0].message : "");
    iwmo_findings_init(out, 0);
    iwmo_rules_check(&env, r.doc, r.ident.msgtype, out);
    /* the findings keep node pointers into r.doc; only lines and texts are used below */
    iwmo_result_free(&r);
}

static void run_case(size_t k)
{
    const tcase *t = &cases[k];
    char what[128];
    snprintf(what, sizeof(what), "case %zu (%s on %s, expect %s)", k, t->rule, t->sample,
             t->fails ? "fail" : "pass");
    char *buf = build_variant(t, what);
    iwmo_findings f;
    run_rules(buf, what, &f);
    size_t hits = 0;
    for (size_t i = 0; i < f.count; i++) {
        const iwmo_finding *it = &f.items[i];
        if (strcmp(it->rule, t->rule) != 0)
            continue;
        if (hits++ == 0 && getenv("TR_VERBOSE"))
            print_message("  %s line %ld: %s\n", t->sample, it->line, it->message);
        assert_string_equal(it->code, "0001");
        assert_int_equal(it->level, 2);
        assert_true(it->line > 0);
        assert_non_null(it->message);
        assert_null(strstr(it->message, "9999900"));      /* never a BSN */
    }
    if (t->fails && hits == 0)
        fail_msg("%s: no %s finding", what, t->rule);
    if (!t->fails && hits)
        fail_msg("%s: unexpected finding: %s", what, f.items[0].message);
    iwmo_findings_free(&f);
    free(buf);
}

static void run_rule_cases(const char *rule)
{
    int pass = 0, fail = 0;
    for (size_t k = 0; k < NCASES; k++) {
        if (strcmp(cases[k].rule, rule) != 0)
            continue;
        run_case(k);
        if (cases[k].fails)
            fail++;
        else
            pass++;
    }
    /* the unmodified samples are passing cases too (test_samples_pass) */
    print_message("%s: %d passing and %d failing variants\n", rule, pass, fail);
    assert_true(fail >= 1);
}

#define RULE_TEST(id) \
    static void test_##id(void **state) { (void)state; run_rule_cases(#id); }
RULE_TEST(TR002) RULE_TEST(TR006) RULE_TEST(TR018) RULE_TEST(TR061) RULE_TEST(TR101)
RULE_TEST(TR134) RULE_TEST(TR137) RULE_TEST(TR302) RULE_TEST(TR315) RULE_TEST(TR316)
RULE_TEST(TR335) RULE_TEST(TR342) RULE_TEST(TR352) RULE_TEST(TR353) RULE_TEST(TR358)
RULE_TEST(TR377) RULE_TEST(TR380) RULE_TEST(TR383) RULE_TEST(TR386) RULE_TEST(TR409)
RULE_TEST(TR410) RULE_TEST(TR416)

/* Each rule has a failing variant for every standard it applies to (the samples pass). */
static void test_cases_cover_both_standards(void **state)
{
    (void)state;
    static const char *const names[] = {"WMO", "JW"}, *const dirs[] = {"iwmo/", "ijw/"};
    for (size_t i = 0; iwmo_rule_at(i); i++) {
        const iwmo_rule_info *info = iwmo_rule_at(i);
        for (int std = 0; std < 2 && is_tr_id(info->id); std++) {
            if (!strstr(info->applies, names[std]))
                continue;
            int fail = 0;
            for (size_t k = 0; k < NCASES; k++)
                fail += !strcmp(cases[k].rule, info->id) && cases[k].fails &&
                        !strncmp(cases[k].sample, dirs[std], strlen(dirs[std]));
            if (!fail)
                fail_msg("%s: no failing case for %s", info->id, dirs[std]);
        }
    }
}

/* The table rows: retourcode, level, and message names that exist. */
static void test_rule_table(void **state)
{
    (void)state;
    size_t seen = 0;
    for (size_t i = 0; iwmo_rule_at(i); i++) {
        const iwmo_rule_info *info = iwmo_rule_at(i);
        if (!is_tr_id(info->id))
            continue;
        seen++;
        assert_string_equal(info->retourcode, "0001");
        assert_int_equal(info->level, 2);
        assert_true(strlen(info->summary) > 10);
        char names[256];
        snprintf(names, sizeof(names), "%s", info->applies);
        for (char *save, *w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            int found = 0;
            for (size_t m = 0; iwmo_msgtype_at(m); m++)
                found |= strcmp(iwmo_msgtype_at(m)->name, w) == 0;
            if (!found)
                fail_msg("%s: unknown message name %s", info->id, w);
        }
    }
    assert_int_equal(seen, NIDS);
}

/* Every unmodified sample passes every rule of the group. */
static void test_samples_pass(void **state)
{
    (void)state;
    for (size_t i = 0; iwmo_msgtype_at(i); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        char sample[64];
        snprintf(sample, sizeof(sample), "%s/%s", iwmo_standard_name(t->standard), t->name);
        size_t len;
        char *buf = load_sample(sample, &len);
        iwmo_findings f;
        run_rules(buf, sample, &f);
        for (size_t k = 0; k < f.count; k++)
            if (is_tr_id(f.items[k].rule))
                fail_msg("%s: line %ld %s %s", sample, f.items[k].line, f.items[k].rule,
                         f.items[k].message);
        iwmo_findings_free(&f);
        free(buf);
    }
}

static int setup(void **state)
{
    (void)state;
    set = tu_schemaset();
    iwmo_limits_default(&limits);
    env.today = iwmo_date_make(2026, 11, 24);
    env.ref = NULL;
    return set ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    iwmo_schemaset_free(set);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_samples_pass),
        cmocka_unit_test(test_cases_cover_both_standards),
        cmocka_unit_test(test_TR002), cmocka_unit_test(test_TR006), cmocka_unit_test(test_TR018),
        cmocka_unit_test(test_TR061), cmocka_unit_test(test_TR101), cmocka_unit_test(test_TR134),
        cmocka_unit_test(test_TR137), cmocka_unit_test(test_TR302), cmocka_unit_test(test_TR315),
        cmocka_unit_test(test_TR316), cmocka_unit_test(test_TR335), cmocka_unit_test(test_TR342),
        cmocka_unit_test(test_TR352), cmocka_unit_test(test_TR353), cmocka_unit_test(test_TR358),
        cmocka_unit_test(test_TR377), cmocka_unit_test(test_TR380), cmocka_unit_test(test_TR383),
        cmocka_unit_test(test_TR386), cmocka_unit_test(test_TR409), cmocka_unit_test(test_TR410),
        cmocka_unit_test(test_TR416),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
