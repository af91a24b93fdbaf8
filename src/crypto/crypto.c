#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

EVP_MD *tn_crypto_md_blake2s;
EVP_MAC *tn_crypto_mac_blake2s;
EVP_CIPHER *tn_crypto_chacha20poly1305;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -ENOTSUP;
static pthread_key_t scratch_key;

/* One per thread.  The pointer is also registered with pthread_setspecific
 * only so that the key's destructor frees the contexts at thread exit. */
struct scratch {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *mac;
	EVP_CIPHER_CTX *aead;
	bool registered;
};

static _Thread_local struct scratch tls_scratch;

static void scratch_free(struct scratch *s)
{
	/* The _free functions wipe the provider contexts they release. */
	EVP_MD_CTX_free(s->md);
	EVP_MAC_CTX_free(s->mac);
	EVP_CIPHER_CTX_free(s->aead);
	s->md = NULL;
	s->mac = NULL;
	s->aead = NULL;
}

static void scratch_destructor(void *p)
{
	struct scratch *s = p;

	scratch_free(s);
	s->registered = false;
}

static void do_init(void)
{
	if (sodium_init() < 0)
		return;
	tn_crypto_md_blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	tn_crypto_mac_blake2s = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	tn_crypto_chacha20poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!tn_crypto_md_blake2s || !tn_crypto_mac_blake2s ||
	    !tn_crypto_chacha20poly1305)
		goto fail;
	if (pthread_key_create(&scratch_key, scratch_destructor))
		goto fail;
	init_result = 0;
	return;
fail:
	EVP_MD_free(tn_crypto_md_blake2s);
	EVP_MAC_free(tn_crypto_mac_blake2s);
	EVP_CIPHER_free(tn_crypto_chacha20poly1305);
	tn_crypto_md_blake2s = NULL;
	tn_crypto_mac_blake2s = NULL;
	tn_crypto_chacha20poly1305 = NULL;
}

int tn_crypto_init(void)
{
	if (pthread_once(&init_once, do_init))
		return -ENOTSUP;
	return init_result;
}

static struct scratch *scratch_get(void)
{
	struct scratch *s = &tls_scratch;

	if (tn_crypto_init())
		return NULL;
	if (!s->registered) {
		if (pthread_setspecific(scratch_key, s))
			return NULL;
		s->registered = true;
	}
	return s;
}

EVP_MD_CTX *tn_crypto_scratch_md(void)
{
	struct scratch *s = scratch_get();

	if (!s)
		return NULL;
	if (!s->md)
		s->md = EVP_MD_CTX_new();
	return s->md;
}

EVP_MAC_CTX *tn_crypto_scratch_mac(void)
{
	struct scratch *s = scratch_get();

	if (!s)
		return NULL;
	if (!s->mac)
		s->mac = EVP_MAC_CTX_new(tn_crypto_mac_blake2s);
	return s->mac;
}

EVP_CIPHER_CTX *tn_crypto_scratch_aead(void)
{
	static const unsigned char zero_key[32];
	struct scratch *s = scratch_get();

	if (!s)
		return NULL;
	if (!s->aead) {
		s->aead = EVP_CIPHER_CTX_new();
		if (s->aead && !EVP_CipherInit_ex2(s->aead,
				tn_crypto_chacha20poly1305, zero_key, NULL, 1, NULL)) {
			EVP_CIPHER_CTX_free(s->aead);
			s->aead = NULL;
		}
	}
	return s->aead;
}

void tn_crypto_thread_cleanup(void)
{
	struct scratch *s = &tls_scratch;

	scratch_free(s);
	if (s->registered) {
		pthread_setspecific(scratch_key, NULL);
		s->registered = false;
	}
}

bool tn_crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

bool tn_crypto_is_zero(const void *p, size_t len)
{
	const volatile unsigned char *b = p;
	unsigned char acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= b[i];
	return acc == 0;
}

void tn_crypto_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

int tn_crypto_random(void *p, size_t len)
{
	int err = tn_crypto_init();

	if (err)
		return err;
	randombytes_buf(p, len);
	return 0;
}
