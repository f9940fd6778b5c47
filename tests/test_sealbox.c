/*
 * test_sealbox.c - encryption at rest of stored message bytes (daemon/sealbox.c):
 * round trip, a fresh nonce per value, tamper detection in every part of a
 * sealed value, a wrong or missing key, legacy plaintext values, key rotation
 * and the key file format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sealbox.h"

static const char hex_a[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
static const char hex_b[] = "F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F";
static const unsigned char sample[] = "x\x9c compressed-looking bytes with a BSN 999990019 inside";

static sealbox_ring ring_of(const char *current, const char *older)
{
    sealbox_ring ring;
    sealbox_key k;
    memset(&ring, 0, sizeof(ring));
    if (older) {
        assert_int_equal(sealbox_key_from_hex(older, &k), 0);
        assert_int_equal(sealbox_ring_add(&ring, &k, 0), 0);
    }
    if (current) {
        assert_int_equal(sealbox_key_from_hex(current, &k), 0);
        assert_int_equal(sealbox_ring_add(&ring, &k, 1), 0);
    }
    return ring;
}

static void seal(const sealbox_ring *ring, unsigned char **out, size_t *len)
{
    assert_int_equal(sealbox_seal(ring, sample, sizeof(sample), out, len), 0);
}

static void round_trip(void **state)
{
    (void)state;
    sealbox_ring ring = ring_of(hex_a, NULL);
    unsigned char *sealed, *plain;
    size_t slen, plen;
    const char *why;
    seal(&ring, &sealed, &slen);
    assert_int_equal(slen, sizeof(sample) + SEALBOX_OVERHEAD);
    assert_true(sealbox_is_sealed(sealed, slen));
    assert_null(memmem(sealed, slen, "999990019", 9));
    assert_int_equal(sealbox_open(&ring, sealed, slen, &plain, &plen, &why), 0);
    assert_int_equal(plen, sizeof(sample));
    assert_memory_equal(plain, sample, sizeof(sample));
    free(sealed);
    free(plain);
}

static void fresh_nonce_per_value(void **state)
{
    (void)state;
    sealbox_ring ring = ring_of(hex_a, NULL);
    unsigned char *one, *two;
    size_t n1, n2;
    seal(&ring, &one, &n1);
    seal(&ring, &two, &n2);
    assert_int_equal(n1, n2);
    assert_memory_not_equal(one + 13, two + 13, 12);    /* the nonces */
    assert_memory_not_equal(one, two, n1);
    free(one);
    free(two);
}

/* Flipping one bit anywhere (header, nonce, body, tag) makes it unreadable, with a reason. */
static void tamper_detected(void **state)
{
    (void)state;
    sealbox_ring ring = ring_of(hex_a, NULL);
    unsigned char *sealed, *plain = NULL;
    size_t slen, plen;
    const char *why;
    seal(&ring, &sealed, &slen);
    for (size_t i = 4; i < slen; i++) {         /* the magic itself: see legacy_plaintext */
        sealed[i] ^= 0x04;
        assert_int_equal(sealbox_open(&ring, sealed, slen, &plain, &plen, &why), -1);
        assert_non_null(why);
        sealed[i] ^= 0x04;
    }
    assert_int_equal(sealbox_open(&ring, sealed, slen - 1, &plain, &plen, &why), -1);
    free(sealed);
}

static void wrong_or_missing_key(void **state)
{
    (void)state;
    sealbox_ring a = ring_of(hex_a, NULL), b = ring_of(hex_b, NULL);
    unsigned char *sealed, *plain = NULL;
    size_t slen, plen;
    const char *why;
    seal(&a, &sealed, &slen);
    assert_int_equal(sealbox_open(&b, sealed, slen, &plain, &plen, &why), -1);
    assert_non_null(strstr(why, "key the configuration does not hold"));
    assert_int_equal(sealbox_open(NULL, sealed, slen, &plain, &plen, &why), -1);
    assert_null(plain);
    /* the same id with other key bytes: the tag check still refuses it */
    memcpy(b.keys[0].id, a.keys[0].id, SEALBOX_ID_BYTES);
    assert_int_equal(sealbox_open(&b, sealed, slen, &plain, &plen, &why), -1);
    assert_non_null(strstr(why, "does not decrypt"));
    free(sealed);
}

/* Values stored before encryption was on (a zlib stream, or purged: empty) come back unchanged. */
static void legacy_plaintext(void **state)
{
    (void)state;
    sealbox_ring ring = ring_of(hex_a, NULL), off = ring_of(NULL, NULL);
    unsigned char *out;
    size_t n;
    const char *why;
    assert_int_equal(sealbox_open(&ring, sample, sizeof(sample), &out, &n, &why), 0);
    assert_int_equal(n, sizeof(sample));
    assert_memory_equal(out, sample, n);
    free(out);
    assert_int_equal(sealbox_open(&ring, sample, 0, &out, &n, &why), 0);
    assert_int_equal(n, 0);
    free(out);
    assert_int_equal(sealbox_seal(&off, sample, sizeof(sample), &out, &n), 0);  /* off: stored as is */
    assert_false(sealbox_is_sealed(out, n));
    assert_memory_equal(out, sample, sizeof(sample));
    free(out);
}

/* Old rows stay readable after the key changes; new rows use the new key only. */
static void key_rotation(void **state)
{
    (void)state;
    sealbox_ring old = ring_of(hex_a, NULL), rotated = ring_of(hex_b, hex_a), only_new = ring_of(hex_b, NULL);
    unsigned char *v1, *v2, *out;
    size_t n1, n2, n;
    const char *why;
    char id1[17], id2[17];
    seal(&old, &v1, &n1);
    seal(&rotated, &v2, &n2);
    sealbox_key_id_hex(v1, n1, id1);
    sealbox_key_id_hex(v2, n2, id2);
    assert_string_not_equal(id1, id2);
    assert_int_equal(strlen(id1), 16);
    assert_int_equal(sealbox_open(&rotated, v1, n1, &out, &n, &why), 0);
    assert_memory_equal(out, sample, sizeof(sample));
    free(out);
    assert_int_equal(sealbox_open(&rotated, v2, n2, &out, &n, &why), 0);
    free(out);
    assert_int_equal(sealbox_open(&only_new, v1, n1, &out, &n, &why), -1);
    assert_int_equal(sealbox_open(&old, v2, n2, &out, &n, &why), -1);
    free(v1);
    free(v2);
}

static void key_text_format(void **state)
{
    (void)state;
    sealbox_key k;
    assert_int_equal(sealbox_key_from_hex(hex_a, &k), 0);
    assert_int_equal(k.key[1], 0x11);
    assert_int_equal(sealbox_key_from_hex(hex_b, &k), 0);                  /* upper case, no newline */
    assert_int_equal(sealbox_key_from_hex("00112233", &k), -1);            /* too short */
    char bad[80];
    snprintf(bad, sizeof(bad), "%.63sg", hex_b);                           /* not hex */
    assert_int_equal(sealbox_key_from_hex(bad, &k), -1);
    snprintf(bad, sizeof(bad), "%s00", hex_b);                             /* too long */
    assert_int_equal(sealbox_key_from_hex(bad, &k), -1);
    sealbox_ring ring;
    memset(&ring, 0, sizeof(ring));
    for (int i = 0; i < SEALBOX_MAX_KEYS; i++)
        assert_int_equal(sealbox_ring_add(&ring, &k, 0), 0);
    assert_int_equal(sealbox_ring_add(&ring, &k, 1), -1);                  /* full */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),      cmocka_unit_test(fresh_nonce_per_value),
        cmocka_unit_test(tamper_detected), cmocka_unit_test(wrong_or_missing_key),
        cmocka_unit_test(legacy_plaintext), cmocka_unit_test(key_rotation),
        cmocka_unit_test(key_text_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
