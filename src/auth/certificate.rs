//! Client certificates: reading a PEM (certificate + RSA private key) and signing the client
//! assertion JWT the token endpoint accepts in place of a secret.
//!
//! The assertion follows Microsoft's "certificate credentials" format: header `alg` RS256, `typ`
//! JWT and `x5t` (base64url SHA-1 thumbprint of the DER certificate, which is how Entra finds the
//! uploaded certificate); claims `aud` (the token endpoint URL), `iss` = `sub` = client id, `jti`,
//! `nbf`, `iat`, `exp` (ten minutes). See
//! <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>.
//!
//! PEM parsing is `rustls-pki-types` and signing is `ring`: both are already in the build for TLS,
//! both well kept, and neither needs OpenSSL on the machine.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls_pki_types::pem::{PemObject, SectionKind};
use serde_json::json;

use crate::secret::Secret;

/// Why a certificate could not be used; every message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("cannot read the certificate file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0} is not a PEM file (a .pfx/.p12 must be converted first: openssl pkcs12 -in cert.pfx -out cert.pem -nodes)")]
    NotPem(String),
    #[error("{0} holds no certificate (-----BEGIN CERTIFICATE-----); the PEM must hold the certificate and its private key")]
    NoCertificate(String),
    #[error("{0} holds no private key; the PEM must hold the certificate and its unencrypted private key")]
    NoKey(String),
    #[error("{0} holds an encrypted private key, which is not supported: give an unencrypted PEM (keep it readable only by you)")]
    EncryptedKey(String),
    #[error("the private key in {path} cannot sign RS256: {reason} (an RSA key of 2048 to 8192 bits is needed)")]
    Key { path: String, reason: String },
    #[error("signing the client assertion failed")]
    Sign,
}

/// A certificate and its key, ready to sign assertions. The key never leaves this value
/// (`ring` keeps it in memory it owns); `Debug` shows only the thumbprint.
pub struct ClientCertificate {
    key: RsaKeyPair,
    /// base64url SHA-1 of the DER certificate (the `x5t` header).
    x5t: String,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t", &self.x5t)
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// Reads a PEM file holding the certificate and its private key (in either order; PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). The first certificate is the client's.
    pub fn from_pem_file(path: &Path) -> Result<ClientCertificate, CertificateError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| CertificateError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let result = Self::from_pem(&bytes, &shown);
        // The file's bytes held the private key: wipe them.
        let mut bytes = bytes;
        zeroize::Zeroize::zeroize(&mut bytes);
        result
    }

    /// The same from PEM text already in memory; `name` is used in messages.
    pub fn from_pem(pem: &[u8], name: &str) -> Result<ClientCertificate, CertificateError> {
        let text = String::from_utf8_lossy(pem);
        if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(CertificateError::EncryptedKey(name.to_string()));
        }
        let mut cert: Option<Vec<u8>> = None;
        let mut key: Option<(SectionKind, zeroize::Zeroizing<Vec<u8>>)> = None;
        let mut any = false;
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            let (kind, der) = section.map_err(|_| CertificateError::NotPem(name.to_string()))?;
            any = true;
            match kind {
                SectionKind::Certificate if cert.is_none() => cert = Some(der),
                SectionKind::PrivateKey | SectionKind::RsaPrivateKey if key.is_none() => {
                    key = Some((kind, zeroize::Zeroizing::new(der)));
                }
                _ => {}
            }
        }
        if !any {
            return Err(CertificateError::NotPem(name.to_string()));
        }
        let cert = cert.ok_or_else(|| CertificateError::NoCertificate(name.to_string()))?;
        let (kind, der) = key.ok_or_else(|| CertificateError::NoKey(name.to_string()))?;
        let key = match kind {
            SectionKind::RsaPrivateKey => RsaKeyPair::from_der(&der),
            _ => RsaKeyPair::from_pkcs8(&der),
        }
        .map_err(|e| CertificateError::Key {
            path: name.to_string(),
            reason: e.to_string(),
        })?;
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
        Ok(ClientCertificate {
            key,
            x5t: URL_SAFE_NO_PAD.encode(digest.as_ref()),
        })
    }

    /// The `x5t` thumbprint (base64url SHA-1 of the DER certificate).
    pub fn x5t(&self) -> &str {
        &self.x5t
    }

    /// A signed client assertion for `client_id` at the token endpoint `audience`, valid from
    /// `now` (Unix seconds) for ten minutes. It is a credential: returned as a [`Secret`].
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: i64,
    ) -> Result<Secret, CertificateError> {
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t});
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| CertificateError::Sign)?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(&signature)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKCS8: &str = include_str!("../../assets/auth/test-fixtures/throwaway-client.pem");
    const PKCS1: &str = include_str!("../../assets/auth/test-fixtures/throwaway-client-pkcs1.pem");
    /// `openssl x509 -fingerprint -sha1` of the fixture: B5:AA:13:51:D5:81:D4:50:B4:20:72:A3:B9:CE:C9:E1:20:FF:F6:F5.
    const X5T: &str = "taoTUdWB1FC0IHKjuc7J4SD_9vU";

    #[test]
    fn reads_both_key_forms_and_computes_x5t() {
        for pem in [PKCS8, PKCS1] {
            let c = ClientCertificate::from_pem(pem.as_bytes(), "fixture").expect("loads");
            assert_eq!(c.x5t(), X5T);
            assert!(!format!("{c:?}").contains("PRIVATE"));
        }
    }

    #[test]
    fn assertion_is_a_signed_jwt_with_the_documented_claims() {
        let c = ClientCertificate::from_pem(PKCS8.as_bytes(), "fixture").expect("loads");
        let a = c
            .assertion(
                "app-id",
                "https://login.example/t/oauth2/v2.0/token",
                1_700_000_000,
            )
            .expect("signs");
        let parts: Vec<&str> = a.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        let info = crate::auth::TokenInfo::decode(a.expose()).expect("decodes");
        assert_eq!(info.header["alg"], "RS256");
        assert_eq!(info.header["x5t"], X5T);
        assert_eq!(info.claims["iss"], "app-id");
        assert_eq!(info.claims["sub"], "app-id");
        assert_eq!(info.claims["exp"], 1_700_000_600);
        // 2048-bit key: a 256-byte signature.
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).expect("b64").len(), 256);
    }

    #[test]
    fn bad_pems_say_what_is_missing() {
        let cert_only: String = PKCS8
            .split("-----BEGIN PRIVATE KEY-----")
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(matches!(
            ClientCertificate::from_pem(cert_only.as_bytes(), "f"),
            Err(CertificateError::NoKey(_))
        ));
        let key_only = &PKCS8[PKCS8.find("-----BEGIN PRIVATE KEY-----").unwrap_or(0)..];
        assert!(matches!(
            ClientCertificate::from_pem(key_only.as_bytes(), "f"),
            Err(CertificateError::NoCertificate(_))
        ));
        assert!(matches!(
            ClientCertificate::from_pem(b"\x30\x82binary-pfx", "f"),
            Err(CertificateError::NotPem(_))
        ));
        assert!(matches!(
            ClientCertificate::from_pem(
                b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "f"
            ),
            Err(CertificateError::EncryptedKey(_))
        ));
        assert!(matches!(
            ClientCertificate::from_pem_file(Path::new("/nonexistent/cert.pem")),
            Err(CertificateError::Read { .. })
        ));
    }
}
