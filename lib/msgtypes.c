/*
 * msgtypes.c - the table of release 3.2 message types of both standards,
 * with their BerichtCode from code list COD002 and the heen/retour pairing.
 */
#include <stdio.h>
#include <string.h>
#include "iwmo.h"

static const iwmo_msgtype msgtypes[] = {
    /* standard    type code retour? pair  name */
    {IWMO_STD_IWMO, 301, 414, 0, 302, "WMO301"},
    {IWMO_STD_IWMO, 302, 415, 1, 0, "WMO302"},
    {IWMO_STD_IWMO, 305, 418, 0, 306, "WMO305"},
    {IWMO_STD_IWMO, 306, 419, 1, 0, "WMO306"},
    {IWMO_STD_IWMO, 307, 420, 0, 308, "WMO307"},
    {IWMO_STD_IWMO, 308, 421, 1, 0, "WMO308"},
    {IWMO_STD_IWMO, 315, 444, 0, 316, "WMO315"},
    {IWMO_STD_IWMO, 316, 445, 1, 0, "WMO316"},
    {IWMO_STD_IWMO, 317, 480, 0, 318, "WMO317"},
    {IWMO_STD_IWMO, 318, 481, 1, 0, "WMO318"},
    {IWMO_STD_IWMO, 319, 482, 0, 320, "WMO319"},
    {IWMO_STD_IWMO, 320, 483, 1, 0, "WMO320"},
    {IWMO_STD_IWMO, 323, 484, 0, 325, "WMO323"},
    {IWMO_STD_IWMO, 325, 485, 1, 0, "WMO325"},
    {IWMO_STD_IJW, 301, 436, 0, 302, "JW301"},
    {IWMO_STD_IJW, 302, 437, 1, 0, "JW302"},
    {IWMO_STD_IJW, 305, 438, 0, 306, "JW305"},
    {IWMO_STD_IJW, 306, 439, 1, 0, "JW306"},
    {IWMO_STD_IJW, 307, 440, 0, 308, "JW307"},
    {IWMO_STD_IJW, 308, 441, 1, 0, "JW308"},
    {IWMO_STD_IJW, 315, 446, 0, 316, "JW315"},
    {IWMO_STD_IJW, 316, 447, 1, 0, "JW316"},
    {IWMO_STD_IJW, 317, 486, 0, 318, "JW317"},
    {IWMO_STD_IJW, 318, 487, 1, 0, "JW318"},
    {IWMO_STD_IJW, 319, 488, 0, 320, "JW319"},
    {IWMO_STD_IJW, 320, 489, 1, 0, "JW320"},
    {IWMO_STD_IJW, 323, 490, 0, 325, "JW323"},
    {IWMO_STD_IJW, 325, 491, 1, 0, "JW325"},
};

#define NTYPES (sizeof(msgtypes) / sizeof(msgtypes[0]))

const char *iwmo_standard_name(iwmo_standard s)
{
    switch (s) {
    case IWMO_STD_IWMO: return "iwmo";
    case IWMO_STD_IJW: return "ijw";
    default: return "unknown";
    }
}

const iwmo_msgtype *iwmo_msgtype_find(iwmo_standard s, int type)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (msgtypes[i].standard == s && msgtypes[i].type == type)
            return &msgtypes[i];
    return NULL;
}

const iwmo_msgtype *iwmo_msgtype_at(size_t i)
{
    return i < NTYPES ? &msgtypes[i] : NULL;
}

size_t iwmo_msgtype_count(void)
{
    return NTYPES;
}

void iwmo_msgtype_namespace(const iwmo_msgtype *t, char *out, size_t n)
{
    int wmo = t->standard == IWMO_STD_IWMO;
    snprintf(out, n, "http://www.istandaarden.nl/%s/3_2/%s%d/schema", wmo ? "iwmo" : "ijw",
             wmo ? "wmo" : "jw", t->type);
}

void iwmo_basisschema_namespace(iwmo_standard s, char *out, size_t n)
{
    snprintf(out, n, "http://www.istandaarden.nl/%s/3_2/basisschema/schema",
             s == IWMO_STD_IWMO ? "iwmo" : "ijw");
}

/* The appinfo versions of the 3.2 XSDs: iWmo publishes 1.0.0, iJw 0.1.0. */
const char *iwmo_xsd_version(iwmo_standard s)
{
    return s == IWMO_STD_IWMO ? "1.0.0" : "0.1.0";
}
