/* HMAC-SHA256 against RFC 4231 and the vendor's own example; header
 * parsing; verification with several secrets and several signatures. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "signature.h"
#include "tap.h"

static void
fill(unsigned char *buf, int c, size_t n)
{
	memset(buf, c, n);
}

int
main(void)
{
	unsigned char key[131], data[152];
	unsigned char sigs[SIGNATURE_MAX_CANDIDATES][SIGNATURE_BYTES];
	char hex[SIGNATURE_HEX_CHARS + 1], header[512];
	struct config cfg;
	struct signature_keys *keys;
	const char *body = "{\"event_id\":\"evt_123\"}";

	/* RFC 4231 test case 1 */
	fill(key, 0x0b, 20);
	signature_hex(key, 20, "Hi There", 8, hex);
	tap_is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
	/* case 2 */
	signature_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	tap_is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");
	/* case 3 */
	fill(key, 0xaa, 20);
	fill(data, 0xdd, 50);
	signature_hex(key, 20, data, 50, hex);
	tap_is_str(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", "RFC 4231 case 3");
	/* case 4 */
	{
		unsigned char k4[25];
		int i;

		for (i = 0; i < 25; i++)
			k4[i] = (unsigned char)(i + 1);
		fill(data, 0xcd, 50);
		signature_hex(k4, 25, data, 50, hex);
		tap_is_str(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", "RFC 4231 case 4");
	}
	/* case 6: a key longer than the block size */
	fill(key, 0xaa, 131);
	signature_hex(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, hex);
	tap_is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "RFC 4231 case 6");
	/* case 7 */
	{
		const char *d7 = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";

		signature_hex(key, 131, d7, strlen(d7), hex);
		tap_is_str(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", "RFC 4231 case 7");
	}
	/* The vendor doc's openssl line, computed by hand with
	 * echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" */
	{
		const char *payload = "{\"event_id\":\"evt_123\",\"event_type\":\"call.completed\",...}";

		signature_hex("YOUR_WEBHOOK_SECRET", 19, payload, strlen(payload), hex);
	}
	tap_is_str(hex, "a24ef1fb4328c31342cbdaaa44eaf1605a5ddf259d58d1d7ee82b2753c961ed8", "vendor doc example");

	/* Header parsing. */
	memset(sigs, 0, sizeof sigs);
	tap_ok(signature_parse_header("", sigs, 8) == 0, "empty header: no candidates");
	tap_ok(signature_parse_header("abc", sigs, 8) == 0, "short token is skipped");
	tap_ok(signature_parse_header("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", sigs, 8) == 1 && sigs[0][0] == 0xb0 && sigs[0][31] == 0xf7, "bare hex");
	tap_ok(signature_parse_header("sha256=B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7", sigs, 8) == 1 && sigs[0][0] == 0xb0, "sha256= prefix, upper case");
	tap_ok(signature_parse_header(" 0000000000000000000000000000000000000000000000000000000000000000 , sha256=1111111111111111111111111111111111111111111111111111111111111111", sigs, 8) == 2 && sigs[1][0] == 0x11, "two, comma and blanks");
	tap_ok(signature_parse_header("g000000000000000000000000000000000000000000000000000000000000000", sigs, 8) == 0, "non-hex digit rejected");
	tap_ok(signature_parse_header("00000000000000000000000000000000000000000000000000000000000000000", sigs, 8) == 0, "65 digits rejected");
	tap_ok(signature_parse_header("md5=0000000000000000000000000000000000000000000000000000000000000000", sigs, 8) == 0, "other prefix rejected");

	/* Verification: two secrets, rotation. */
	memset(&cfg, 0, sizeof cfg);
	cfg.nsecrets = 2;
	cfg.secrets[0].key = (unsigned char *)strdup("old-secret");
	cfg.secrets[0].len = 10;
	cfg.secrets[1].key = (unsigned char *)strdup("new-secret");
	cfg.secrets[1].len = 10;
	keys = signature_keys_new(&cfg);
	tap_ok(keys != NULL, "keys prepared");
	signature_hex("new-secret", 10, body, strlen(body), hex);
	tap_ok(signature_verify(keys, hex, body, strlen(body)) == SIGNATURE_OK, "second secret accepted");
	snprintf(header, sizeof header, "sha256=%s", hex);
	tap_ok(signature_verify(keys, header, body, strlen(body)) == SIGNATURE_OK, "with prefix");
	snprintf(header, sizeof header, "%064d,%s", 0, hex);
	tap_ok(signature_verify(keys, header, body, strlen(body)) == SIGNATURE_OK, "one of two signatures matches");
	tap_ok(signature_verify(keys, NULL, body, strlen(body)) == SIGNATURE_MISSING, "missing");
	tap_ok(signature_verify(keys, " , ", body, strlen(body)) == SIGNATURE_MISSING, "blank is missing");
	tap_ok(signature_verify(keys, "nonsense", body, strlen(body)) == SIGNATURE_MALFORMED, "malformed");
	tap_ok(signature_verify(keys, hex, body, strlen(body) - 1) == SIGNATURE_MISMATCH, "body changed: mismatch");
	signature_hex("other", 5, body, strlen(body), hex);
	tap_ok(signature_verify(keys, hex, body, strlen(body)) == SIGNATURE_MISMATCH, "unknown secret: mismatch");
	signature_keys_free(keys);
	free(cfg.secrets[0].key);
	free(cfg.secrets[1].key);
	return tap_done();
}
