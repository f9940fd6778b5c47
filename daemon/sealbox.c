/* sealbox.c - AES-256-GCM sealing of stored message bytes; see sealbox.h. */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include "sealbox.h"

#define MAGIC "IWSB"
#define MAGIC_LEN 4
#define VERSION 0x01
#define NONCE_LEN 12
#define TAG_LEN 16
#define HEADER_LEN (MAGIC_LEN + 1 + SEALBOX_ID_BYTES)   /* the authenticated part before the nonce */

static int hex_digit(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

int sealbox_key_from_hex(const char *text, sealbox_key *k)
{
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n != 2 * SEALBOX_KEY_BYTES)
        return -1;
    for (size_t i = 0; i < SEALBOX_KEY_BYTES; i++) {
        int hi = hex_digit((unsigned char)text[2 * i]), lo = hex_digit((unsigned char)text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        k->key[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!EVP_Digest(k->key, SEALBOX_KEY_BYTES, digest, &dlen, EVP_sha256(), NULL))
        return -1;
    memcpy(k->id, digest, SEALBOX_ID_BYTES);
    return 0;
}

int sealbox_ring_add(sealbox_ring *ring, const sealbox_key *k, int current)
{
    if (ring->nkeys >= SEALBOX_MAX_KEYS)
        return -1;
    if (current && !ring->sealing) {    /* the current key goes first */
        memmove(&ring->keys[1], &ring->keys[0], (size_t)ring->nkeys * sizeof(ring->keys[0]));
        ring->keys[0] = *k;
        ring->sealing = 1;
    } else
        ring->keys[ring->nkeys] = *k;
    ring->nkeys++;
    return 0;
}

int sealbox_is_sealed(const unsigned char *in, size_t len)
{
    return len >= SEALBOX_OVERHEAD && memcmp(in, MAGIC, MAGIC_LEN) == 0;
}

void sealbox_key_id_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '\0';
    if (!sealbox_is_sealed(in, len))
        return;
    for (int i = 0; i < SEALBOX_ID_BYTES; i++) {
        out[2 * i] = digits[in[MAGIC_LEN + 1 + i] >> 4];
        out[2 * i + 1] = digits[in[MAGIC_LEN + 1 + i] & 15];
    }
    out[2 * SEALBOX_ID_BYTES] = '\0';
}

static int copy_plain(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
    *out = malloc(len ? len : 1);
    if (!*out)
        return -1;
    if (len)
        memcpy(*out, in, len);
    *outlen = len;
    return 0;
}

/* One GCM pass: encrypt (enc=1) or decrypt src into dst, header as AAD; tag written or checked. */
static int gcm(int enc, const unsigned char *key, const unsigned char *header, const unsigned char *nonce,
               const unsigned char *src, size_t len, unsigned char *dst, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) &&
                    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) &&
                    EVP_CipherUpdate(c, NULL, &n, header, HEADER_LEN);
    for (size_t done = 0; ok && done < len;) {   /* EVP takes int lengths */
        int chunk = len - done > (1u << 30) ? 1 << 30 : (int)(len - done);
        ok = EVP_CipherUpdate(c, dst + done, &n, src + done, chunk);
        done += (size_t)chunk;
    }
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag);
    ok = ok && EVP_CipherFinal_ex(c, dst + len, &n);
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag);
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int sealbox_seal(const sealbox_ring *ring, const unsigned char *in, size_t len, unsigned char **out,
                 size_t *outlen)
{
    if (!ring || !ring->sealing)
        return copy_plain(in, len, out, outlen);
    unsigned char *buf = malloc(len + SEALBOX_OVERHEAD);
    if (!buf)
        return -1;
    memcpy(buf, MAGIC, MAGIC_LEN);
    buf[MAGIC_LEN] = VERSION;
    memcpy(buf + MAGIC_LEN + 1, ring->keys[0].id, SEALBOX_ID_BYTES);
    unsigned char *nonce = buf + HEADER_LEN, *body = nonce + NONCE_LEN;
    if (RAND_bytes(nonce, NONCE_LEN) != 1 ||
        gcm(1, ring->keys[0].key, buf, nonce, in, len, body, body + len) < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len + SEALBOX_OVERHEAD;
    return 0;
}

static const sealbox_key *find_key(const sealbox_ring *ring, const unsigned char *id)
{
    for (int i = 0; ring && i < ring->nkeys; i++)
        if (memcmp(ring->keys[i].id, id, SEALBOX_ID_BYTES) == 0)
            return &ring->keys[i];
    return NULL;
}

int sealbox_open(const sealbox_ring *ring, const unsigned char *in, size_t len, unsigned char **out,
                 size_t *outlen, const char **why)
{
    *why = NULL;
    if (!sealbox_is_sealed(in, len))
        return copy_plain(in, len, out, outlen);
    if (in[MAGIC_LEN] != VERSION) {
        *why = "sealed with an unknown format version";
        return -1;
    }
    const sealbox_key *k = find_key(ring, in + MAGIC_LEN + 1);
    if (!k) {
        *why = "encrypted under a key the configuration does not hold";
        return -1;
    }
    size_t body_len = len - SEALBOX_OVERHEAD;
    unsigned char *buf = malloc(body_len ? body_len : 1);
    unsigned char tag[TAG_LEN];
    memcpy(tag, in + len - TAG_LEN, TAG_LEN);
    if (!buf) {
        *why = "out of memory";
        return -1;
    }
    if (gcm(0, k->key, in, in + HEADER_LEN, in + HEADER_LEN + NONCE_LEN, body_len, buf, tag) < 0) {
        free(buf);
        *why = "does not decrypt: altered, or a different key with the same id";
        return -1;
    }
    *out = buf;
    *outlen = body_len;
    return 0;
}
