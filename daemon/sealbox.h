/*
 * sealbox.h - encryption at rest of the stored message bytes (messages.raw,
 * deliveries.content). Pure functions over buffers: AES-256-GCM (OpenSSL
 * EVP) with a fresh random 12-byte nonce per value and the 16-byte tag at
 * the end, behind a small header naming the format version and the key:
 *
 *   "IWSB" | version 0x01 | key id (8) | nonce (12) | ciphertext | tag (16)
 *
 * The header is authenticated too. A value without the magic is a legacy
 * plaintext row and is handed back unchanged, so rows written before
 * encryption was switched on, and rows under older keys, stay readable.
 */
#ifndef IWMOD_SEALBOX_H
#define IWMOD_SEALBOX_H

#include <stddef.h>

#define SEALBOX_KEY_BYTES 32
#define SEALBOX_ID_BYTES 8
#define SEALBOX_MAX_KEYS 8
#define SEALBOX_OVERHEAD (4 + 1 + SEALBOX_ID_BYTES + 12 + 16)

typedef struct {
    unsigned char key[SEALBOX_KEY_BYTES];
    unsigned char id[SEALBOX_ID_BYTES];     /* first 8 bytes of SHA-256 of the key */
} sealbox_key;

typedef struct sealbox_ring {
    sealbox_key keys[SEALBOX_MAX_KEYS];
    int nkeys;
    int sealing;                /* 1: keys[0] is the current key, new values are encrypted */
} sealbox_ring;

/* Parse 64 hex characters (an optional trailing newline allowed) into k. 0 or -1. */
int sealbox_key_from_hex(const char *text, sealbox_key *k);

/* Add a key to the ring; the first key added with current=1 seals. 0, or -1 when full. */
int sealbox_ring_add(sealbox_ring *ring, const sealbox_key *k, int current);

/* Does the value start with the sealed-value header? */
int sealbox_is_sealed(const unsigned char *in, size_t len);

/* Key id of a sealed value as 16 hex characters (out: at least 17 bytes); "" when not sealed. */
void sealbox_key_id_hex(const unsigned char *in, size_t len, char *out);

/*
 * Seal in[0..len) under the ring's current key into a malloc'ed *out. Without
 * a current key (ring NULL or not sealing) the bytes are copied unchanged.
 * 0, or -1 (out of memory, no randomness, OpenSSL failure).
 */
int sealbox_seal(const sealbox_ring *ring, const unsigned char *in, size_t len, unsigned char **out,
                 size_t *outlen);

/*
 * Open a stored value into a malloc'ed *out: a sealed value is decrypted with
 * the ring's key of the same id, anything else is copied unchanged. -1 with
 * *why set when the key is not in the ring or the value was altered.
 */
int sealbox_open(const sealbox_ring *ring, const unsigned char *in, size_t len, unsigned char **out,
                 size_t *outlen, const char **why);

#endif
