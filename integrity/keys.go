package integrity

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// PublicKey is one of CloudTrail's digest signing keys, as
// cloudtrail:ListPublicKeys returns it.
type PublicKey struct {
	// Fingerprint is the hex MD5 of DER, which digests name in
	// digestPublicKeyFingerprint.
	Fingerprint string
	// DER is the key, a DER-encoded PKCS#1 RSAPublicKey (or PKIX).
	DER []byte
	// Start and End bound when the key signed digests.
	Start, End time.Time

	key *rsa.PublicKey
}

// NewPublicKey checks that der is an RSA public key whose hex MD5 is
// fingerprint.
func NewPublicKey(der []byte, fingerprint string, start, end time.Time) (PublicKey, error) {
	sum := md5.Sum(der)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, fingerprint) {
		return PublicKey{}, fmt.Errorf("public key %s: its MD5 is %s", fingerprint, got)
	}
	k, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		pk, perr := x509.ParsePKIXPublicKey(der)
		rk, ok := pk.(*rsa.PublicKey)
		if perr != nil || !ok {
			return PublicKey{}, fmt.Errorf("public key %s: not an RSA public key: %w", fingerprint, err)
		}
		k = rk
	}
	return PublicKey{Fingerprint: strings.ToLower(fingerprint), DER: der, Start: start, End: end, key: k}, nil
}

// verify checks the hex signature sigHex of msg (SHA256withRSA, PKCS#1
// v1.5).
func (k PublicKey) verify(msg, sigHex string) error {
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("the signature is not hex: %w", err)
	}
	h := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(k.key, crypto.SHA256, h[:], sig); err != nil {
		return errors.New("the signature does not match the digest (altered, or signed by another key)")
	}
	return nil
}

// ReadPublicKeys reads the output of `aws cloudtrail list-public-keys`
// ({"PublicKeyList":[{"Value":base64,"ValidityStartTime",
// "ValidityEndTime","Fingerprint"}]}); several such objects may follow one
// another (one per region).
func ReadPublicKeys(r io.Reader) ([]PublicKey, error) {
	dec := json.NewDecoder(r)
	var keys []PublicKey
	for {
		var out struct {
			PublicKeyList []struct {
				Value             []byte
				ValidityStartTime wireTime
				ValidityEndTime   wireTime
				Fingerprint       string
			}
		}
		err := dec.Decode(&out)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not list-public-keys output: %w", err)
		}
		for _, k := range out.PublicKeyList {
			pk, err := NewPublicKey(k.Value, k.Fingerprint, time.Time(k.ValidityStartTime), time.Time(k.ValidityEndTime))
			if err != nil {
				return nil, err
			}
			keys = append(keys, pk)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no public keys (want the output of aws cloudtrail list-public-keys)")
	}
	return keys, nil
}

// wireTime is a time as the AWS CLI prints it (RFC 3339) or as JSON 1.1
// sends it (seconds since the epoch).
type wireTime time.Time

func (t *wireTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if u, err := strconv.Unquote(s); err == nil {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-07:00", "2006-01-02T15:04:05"} {
			if v, err := time.Parse(layout, u); err == nil {
				*t = wireTime(v)
				return nil
			}
		}
		return fmt.Errorf("time %s: want RFC 3339", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("time %s: want RFC 3339 or epoch seconds", s)
	}
	*t = wireTime(time.Unix(0, int64(f*1e9)).UTC())
	return nil
}
