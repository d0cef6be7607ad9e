//! Credentials inside string values: the one detector the spec checks, the
//! Compose mapping and the control catalog share, so "no secret reaches a
//! file" means the same thing everywhere.
//!
//! [`find_credential`] looks for a credential *in a value* (not for a
//! secret-looking variable *name*, which callers judge themselves):
//!
//! - a password in a URL's user info (`postgres://app:hunter2@db/app`), but
//!   not `user@host`, an empty password, or a templated one;
//! - a password in a connection string or assignment (`Password=...;`,
//!   `pwd=...`, `PGPASSWORD=...`, `--password=...`), case-insensitive;
//! - a PEM private key (`-----BEGIN ... PRIVATE KEY-----`);
//! - an AWS access key id (`AKIA`/`ASIA` + 16 upper-case letters or digits),
//!   and an AWS secret access key only where it is labelled
//!   (`aws_secret_access_key = ` + 40 base64 characters);
//! - tokens with a known prefix: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`,
//!   `ghr_`, `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-`, `xoxp-`,
//!   `xoxa-`, `xoxr-`, `xoxs-`), Stripe live keys (`sk_live_`, `rk_live_`),
//!   Google API keys (`AIza` + 35), npm (`npm_` + 36), SendGrid (`SG.`), each
//!   with the minimum length of the real format so ordinary words never match.
//!
//! What is deliberately *not* a credential:
//!
//! - placeholders that a template engine, a shell or Terraform fills in:
//!   values starting with `${`, `$(`, `$NAME`, `{{`, `#{`, `%s`/`%(`, or
//!   wrapped in `<...>`, and values made only of `*` (masked) — a literal
//!   password that happens to start with `$` and a letter is missed;
//! - AWS's published documentation keys (`AKIAIOSFODNN7EXAMPLE`,
//!   `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`: anything ending in
//!   `EXAMPLE` / holding `EXAMPLEKEY`) and token bodies of one repeated
//!   character (`ghp_xxxx…`): they appear in every tutorial and open nothing;
//! - a `pwd=` whose value is a path (`PWD=/app` is the shell's directory),
//!   and assignments of `true`, `false`, `yes`, `no`, `none`, `null`,
//!   `required`, `optional` (flags such as `--require-password=true`).
//!
//! **Invariant:** no IO, no allocation beyond the result and, for a text
//! with `=`, `:` or `-----`, one lower-cased copy of it; every range
//! returned lies inside the text, on character boundaries, and never covers
//! more than the credential itself.

use std::fmt;
use std::ops::Range;

/// What kind of credential was found. Ordered from the most specific (a
/// token format) to the most generic (a password in a string), which is the
/// order ties are broken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Credential {
    /// A PEM-encoded private key.
    PrivateKey,
    /// An AWS access key id (`AKIA…`, `ASIA…`).
    AwsAccessKeyId,
    /// A labelled AWS secret access key.
    AwsSecretAccessKey,
    /// A GitHub token (`ghp_…`, `github_pat_…`).
    GithubToken,
    /// A GitLab personal access token (`glpat-…`).
    GitlabToken,
    /// A Slack token (`xoxb-…`).
    SlackToken,
    /// A Stripe live secret or restricted key (`sk_live_…`, `rk_live_…`).
    StripeKey,
    /// A Google API key (`AIza…`).
    GoogleApiKey,
    /// An npm access token (`npm_…`).
    NpmToken,
    /// A SendGrid API key (`SG.….…`).
    SendgridKey,
    /// A password in a URL's user info (`scheme://user:password@host`).
    UrlPassword,
    /// A password in a connection string or assignment (`Password=…`).
    ConnectionStringPassword,
}

impl Credential {
    /// A short description for messages: "a password in a URL".
    pub fn describe(self) -> &'static str {
        match self {
            Self::PrivateKey => "a private key",
            Self::AwsAccessKeyId => "an AWS access key id",
            Self::AwsSecretAccessKey => "an AWS secret access key",
            Self::GithubToken => "a GitHub token",
            Self::GitlabToken => "a GitLab access token",
            Self::SlackToken => "a Slack token",
            Self::StripeKey => "a Stripe live key",
            Self::GoogleApiKey => "a Google API key",
            Self::NpmToken => "an npm token",
            Self::SendgridKey => "a SendGrid API key",
            Self::UrlPassword => "a password in a URL",
            Self::ConnectionStringPassword => "a password in a connection string",
        }
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One credential found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialMatch {
    /// What it is.
    pub credential: Credential,
    /// Its byte range in the text (the secret part only: the password of a
    /// URL, not the URL).
    pub range: Range<usize>,
}

/// The first credential in `text` (by position; at one position, the most
/// specific kind), if any.
pub fn find_credential(text: &str) -> Option<CredentialMatch> {
    find_credentials(text).into_iter().next()
}

/// Every credential in `text`, by position, then most specific kind first;
/// where two kinds cover the same bytes (a GitHub token as a URL's
/// password), only the specific one.
pub fn find_credentials(text: &str) -> Vec<CredentialMatch> {
    let mut out = Vec::new();
    url_passwords(text, &mut out);
    aws_key_ids(text, &mut out);
    tokens(text, &mut out);
    // The case-insensitive patterns need `=`, `:` or a PEM dash line; most
    // values (names, numbers, paths) have none and are not copied.
    if text.contains(['=', ':']) || text.contains("-----") {
        let lower = text.to_ascii_lowercase();
        assigned_passwords(text, &lower, &mut out);
        private_keys(&lower, &mut out);
        aws_secret_keys(text, &lower, &mut out);
    }
    out.sort_by(|a, b| {
        (a.range.start, std::cmp::Reverse(a.range.end), a.credential).cmp(&(
            b.range.start,
            std::cmp::Reverse(b.range.end),
            b.credential,
        ))
    });
    out.dedup_by(|b, a| a.range == b.range);
    out
}

/// Whether a value is filled in later rather than written: a template,
/// shell, Terraform or format-string placeholder, a `<...>` slot or a mask.
fn placeholder(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    let b = v.as_bytes();
    let templated = ["${", "$(", "{{", "#{", "%("].iter().any(|p| v.contains(p));
    templated
        || b.first() == Some(&b'$')
            && b.get(1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        || b.first() == Some(&b'%') && b.get(1).is_some_and(u8::is_ascii_alphabetic)
        || v.starts_with('<') && v.ends_with('>')
        || !v.is_empty() && v.bytes().all(|c| c == b'*')
}

fn push(out: &mut Vec<CredentialMatch>, credential: Credential, range: Range<usize>) {
    out.push(CredentialMatch { credential, range });
}

/// `scheme://user:password@host`: the password.
fn url_passwords(text: &str, out: &mut Vec<CredentialMatch>) {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices("://") {
        let scheme = bytes[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || b"+.-".contains(c))
            .count();
        if scheme == 0 || !bytes[i - scheme].is_ascii_alphabetic() {
            continue;
        }
        let start = i + 3;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "/?#\"'<>`\\".contains(c))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        if at + 1 == authority.len() {
            continue;
        }
        let Some(colon) = authority[..at].find(':') else {
            continue;
        };
        let password = &authority[colon + 1..at];
        if password.is_empty() || placeholder(password) {
            continue;
        }
        push(out, Credential::UrlPassword, start + colon + 1..start + at);
    }
}

/// Values that are flags, not passwords.
const NOT_PASSWORDS: &[&str] = &[
    "true", "false", "yes", "no", "none", "null", "required", "optional",
];

/// `…password=value`, `passwd=value`, `pwd=value` (`;`, `&` or space
/// separated, quoted or in ODBC braces): the value.
fn assigned_passwords(text: &str, lower: &str, out: &mut Vec<CredentialMatch>) {
    let bytes = text.as_bytes();
    for (eq, _) in text.match_indices('=') {
        let mut k = eq;
        while k > 0 && bytes[k - 1] == b' ' {
            k -= 1;
        }
        let key_end = k;
        while k > 0 && (bytes[k - 1].is_ascii_alphanumeric() || b"_.-".contains(&bytes[k - 1])) {
            k -= 1;
        }
        let key = &lower[k..key_end];
        let pwd = key == "pwd";
        if !(pwd || key.ends_with("password") || key.ends_with("passwd")) {
            continue;
        }
        let mut v = eq + 1;
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        if text[v..].starts_with("{{") {
            continue;
        }
        let (start, end) = match bytes.get(v) {
            Some(q @ (b'"' | b'\'' | b'{')) => {
                let close = if *q == b'{' { b'}' } else { *q };
                let len = bytes[v + 1..].iter().position(|c| *c == close);
                (v + 1, v + 1 + len.unwrap_or(bytes.len() - v - 1))
            }
            _ => {
                let len = text[v..]
                    .find(|c: char| c.is_whitespace() || ";&,\"'".contains(c))
                    .unwrap_or(text.len() - v);
                (v, v + len)
            }
        };
        let value = &text[start..end];
        if value.is_empty()
            || placeholder(value)
            || NOT_PASSWORDS.contains(&&lower[start..end])
            || pwd && value.starts_with(['/', '~', '.'])
        {
            continue;
        }
        push(out, Credential::ConnectionStringPassword, start..end);
    }
}

/// `-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----` up to its
/// `-----END ...-----` line, or the header alone.
fn private_keys(lower: &str, out: &mut Vec<CredentialMatch>) {
    for (i, _) in lower.match_indices("-----begin ") {
        let head = &lower[i + 11..];
        let Some(p) = head.find("private key-----") else {
            continue;
        };
        let label = &head[..p];
        if label.len() > 40 || !label.bytes().all(|c| c.is_ascii_lowercase() || c == b' ') {
            continue;
        }
        let header_end = i + 11 + p + 16;
        let end = lower[header_end..]
            .find("-----end ")
            .and_then(|e| {
                let from = header_end + e + 9;
                lower[from..].find("-----").map(|f| from + f + 5)
            })
            .unwrap_or(header_end);
        push(out, Credential::PrivateKey, i..end);
    }
}

/// The run of bytes from `from` that satisfy `ok`.
fn run(bytes: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    bytes[from.min(bytes.len())..]
        .iter()
        .take_while(|c| ok(**c))
        .count()
}

/// Whether the byte before `i` ends a word (so `xAKIA…` is not a key id).
fn word_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || !bytes[i - 1].is_ascii_alphanumeric()
}

/// `AKIA`/`ASIA` + 16 upper-case letters or digits, as a whole word.
fn aws_key_ids(text: &str, out: &mut Vec<CredentialMatch>) {
    let bytes = text.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for (i, _) in text.match_indices(prefix) {
            let n = run(bytes, i + 4, |c| {
                c.is_ascii_uppercase() || c.is_ascii_digit()
            });
            let after = bytes.get(i + 4 + n);
            if !word_start(bytes, i) || n != 16 || after.is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            if text[i..i + 20].ends_with("EXAMPLE") {
                continue;
            }
            push(out, Credential::AwsAccessKeyId, i..i + 20);
        }
    }
}

fn base64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'/' || c == b'+'
}

/// `aws_secret_access_key = <40 base64 characters>` (also `:`, quoted, or
/// `SecretAccessKey` as in JSON).
fn aws_secret_keys(text: &str, lower: &str, out: &mut Vec<CredentialMatch>) {
    let bytes = text.as_bytes();
    for label in ["secret_access_key", "secretaccesskey", "aws_secret_key"] {
        for (i, _) in lower.match_indices(label) {
            let mut j = i + label.len();
            j += run(bytes, j, |c| c == b'"' || c == b'\'' || c == b' ');
            if !matches!(bytes.get(j), Some(b'=' | b':')) {
                continue;
            }
            j += 1;
            j += run(bytes, j, |c| c == b'"' || c == b'\'' || c == b' ');
            let n = run(bytes, j, base64);
            if n != 40 || bytes.get(j + n) == Some(&b'=') {
                continue;
            }
            if text[j..j + n].contains("EXAMPLEKEY") {
                continue;
            }
            push(out, Credential::AwsSecretAccessKey, j..j + n);
        }
    }
}

/// Token characters.
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn alnum_underscore(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
fn alnum_dash(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}
fn url_safe(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Prefix, kind, body characters, minimum and exact body length (when the
/// format fixes it).
type TokenFormat = (
    &'static str,
    Credential,
    fn(u8) -> bool,
    usize,
    Option<usize>,
);

const TOKENS: &[TokenFormat] = &[
    ("ghp_", Credential::GithubToken, alnum, 36, None),
    ("gho_", Credential::GithubToken, alnum, 36, None),
    ("ghu_", Credential::GithubToken, alnum, 36, None),
    ("ghs_", Credential::GithubToken, alnum, 36, None),
    ("ghr_", Credential::GithubToken, alnum, 36, None),
    (
        "github_pat_",
        Credential::GithubToken,
        alnum_underscore,
        40,
        None,
    ),
    ("glpat-", Credential::GitlabToken, url_safe, 20, None),
    ("xoxb-", Credential::SlackToken, alnum_dash, 20, None),
    ("xoxp-", Credential::SlackToken, alnum_dash, 20, None),
    ("xoxa-", Credential::SlackToken, alnum_dash, 20, None),
    ("xoxr-", Credential::SlackToken, alnum_dash, 20, None),
    ("xoxs-", Credential::SlackToken, alnum_dash, 20, None),
    ("sk_live_", Credential::StripeKey, alnum, 20, None),
    ("rk_live_", Credential::StripeKey, alnum, 20, None),
    ("AIza", Credential::GoogleApiKey, url_safe, 35, Some(35)),
    ("npm_", Credential::NpmToken, alnum, 36, Some(36)),
];

/// Tokens with a known prefix, as whole words, bodies of the format's length.
fn tokens(text: &str, out: &mut Vec<CredentialMatch>) {
    let bytes = text.as_bytes();
    for (prefix, credential, ok, min, exact) in TOKENS {
        for (i, _) in text.match_indices(prefix) {
            let from = i + prefix.len();
            let n = run(bytes, from, ok);
            let long_enough = n >= *min && exact.is_none_or(|e| n == e);
            if !word_start(bytes, i) || !long_enough || repeated(&bytes[from..from + n]) {
                continue;
            }
            push(out, *credential, i..from + n);
        }
    }
    // SendGrid: `SG.` + 22 + `.` + 43, both parts URL-safe base64.
    for (i, _) in text.match_indices("SG.") {
        let a = run(bytes, i + 3, url_safe);
        if !word_start(bytes, i) || a < 16 || bytes.get(i + 3 + a) != Some(&b'.') {
            continue;
        }
        let from = i + 3 + a + 1;
        let b = run(bytes, from, url_safe);
        if b >= 32 && !repeated(&bytes[from..from + b]) {
            push(out, Credential::SendgridKey, i..from + b);
        }
    }
}

/// One character over and over: a documentation placeholder (`xxxx`).
fn repeated(body: &[u8]) -> bool {
    body.windows(2).all(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` holds exactly one credential of `kind`, and `secret` is what its
    /// range covers.
    #[track_caller]
    fn found(text: &str, kind: Credential, secret: &str) {
        let all = find_credentials(text);
        assert_eq!(all.len(), 1, "{text:?}: {all:?}");
        assert_eq!(all[0].credential, kind, "{text:?}");
        assert_eq!(&text[all[0].range.clone()], secret, "{text:?}");
    }

    #[track_caller]
    fn clean(text: &str) {
        assert_eq!(find_credentials(text), vec![], "{text:?}");
    }

    #[test]
    fn url_passwords_are_found_and_hosts_ports_and_paths_are_not() {
        use Credential::UrlPassword as U;
        found("postgres://postgres:hunter2@db/postgres", U, "hunter2");
        found("redis://:s3cret@cache:6379/0", U, "s3cret");
        found("amqp://guest:guest@rabbit:5672/", U, "guest");
        found("mongodb://app:p%40ss@h1,h2/db?replicaSet=rs0", U, "p%40ss");
        found("see https://u:pw@example.com now", U, "pw");
        clean("postgres://db:5432/app");
        clean("https://example.com/a@b");
        clean("ssh://git@github.com/org/repo.git");
        clean("postgres://app:@db/app");
        clean("postgres://app:pw@");
        clean("postgres://${DB_USER}:${DB_PASSWORD}@db/app");
        clean("postgres://app:$(cat /run/secrets/db)@db/app");
        clean("postgres://app:{{ .Values.password }}@db/app");
        clean("postgres://app:%s@%s/app");
        clean("postgres://app:<password>@db/app");
        clean("postgres://app:****@db/app");
        clean("://u:p@h");
        clean("http://[::1]:8080/healthz");
        clean("${terraform:data.aws_db.main.endpoint}");
    }

    #[test]
    fn connection_string_passwords_are_found_and_placeholders_are_not() {
        use Credential::ConnectionStringPassword as C;
        found(
            "Server=db;Database=app;User Id=sa;Password=Hunter2!;",
            C,
            "Hunter2!",
        );
        found("host=db user=app password=hunter2 dbname=app", C, "hunter2");
        found("Driver={ODBC};Uid=sa;Pwd={p;w};", C, "p;w");
        found("PASSWORD = 'two words'", C, "two words");
        found("PGPASSWORD=hunter2 psql -h db", C, "hunter2");
        found("mysql --password=hunter2 -u root", C, "hunter2");
        found(
            "https://api.example.com/login?user=a&password=x1&next=/",
            C,
            "x1",
        );
        clean("password=${DB_PASSWORD}");
        clean("password=$DB_PASSWORD");
        clean("Password={{ .Values.db.password }};");
        clean("password=");
        clean("password=;user=app");
        clean("--require-password=true");
        clean("PASSWORD_MIN_LENGTH=12");
        clean("password_file=/run/secrets/db");
        clean("OLDPWD=/home/app and PWD=/app");
        clean("the password is kept in the store");
    }

    #[test]
    fn private_keys_cover_header_to_footer() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
        found(&format!("key: {pem}\n"), Credential::PrivateKey, pem);
        found(
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            Credential::PrivateKey,
            "-----BEGIN OPENSSH PRIVATE KEY-----",
        );
        clean("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----");
        clean("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    }

    #[test]
    fn aws_keys_need_the_exact_shape_and_a_label_for_the_secret() {
        found(
            "id=AKIAZ7VQ4XH2L3M5N6P7",
            Credential::AwsAccessKeyId,
            "AKIAZ7VQ4XH2L3M5N6P7",
        );
        found(
            "ASIAZ7VQ4XH2L3M5N6P7",
            Credential::AwsAccessKeyId,
            "ASIAZ7VQ4XH2L3M5N6P7",
        );
        let secret = "h8Kq2vN4pL7xR1tY6wZ3mB9cD5fG0jE2aS4uI8oP";
        found(
            &format!("aws_secret_access_key = {secret}"),
            Credential::AwsSecretAccessKey,
            secret,
        );
        found(
            &format!("{{\"SecretAccessKey\": \"{secret}\"}}"),
            Credential::AwsSecretAccessKey,
            secret,
        );
        // Documentation keys, wrong lengths, words that merely start alike.
        clean("AKIAIOSFODNN7EXAMPLE");
        clean("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        clean("AKIAZ7VQ4XH2L3M5N6P");
        clean("AKIAZ7VQ4XH2L3M5N6P7Q");
        clean("XAKIAZ7VQ4XH2L3M5N6P7");
        clean("ASIAN CUISINE AND MORE");
        // A 40-character string with no label is not judged (it could be a hash).
        clean(secret);
    }

    #[test]
    fn prefixed_tokens_need_their_full_length() {
        let body36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
        for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let t = format!("{p}{body36}");
            found(&format!("token {t}"), Credential::GithubToken, &t);
        }
        let pat = format!("github_pat_11ABCDEFG0{body36}_{body36}");
        found(&pat, Credential::GithubToken, &pat);
        found(
            "glpat-Ab3dE6gH9jK2mN5pQ8sT",
            Credential::GitlabToken,
            "glpat-Ab3dE6gH9jK2mN5pQ8sT",
        );
        let slack = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
        found(slack, Credential::SlackToken, slack);
        found(
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            Credential::StripeKey,
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        );
        let google = "AIzaSyD3x4mpl3K3y-Abc_defGhiJklMnoPqrSt";
        found(google, Credential::GoogleApiKey, google);
        let npm = format!("npm_{body36}");
        found(&npm, Credential::NpmToken, &npm);
        let sg = "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";
        found(sg, Credential::SendgridKey, sg);
        // Too short, all one character, inside a word, test-mode keys.
        clean("ghp_short");
        clean("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        clean(&format!("xghp_{body36}"));
        clean("glpat-short");
        clean("xoxb-123");
        clean("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
        clean("sk_live_");
        clean("AIzaTooShort");
        clean("npm_install");
        clean("SG.x.y");
        clean("the SG.short.thing");
    }

    #[test]
    fn ordinary_values_are_clean() {
        for v in [
            "",
            "debug",
            "stripe/api-key",
            "web/db-password",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf",
            "${terraform:module.data.aws_rds_cluster.db.endpoint}",
            "http://localhost:8080/healthz",
            "curl -f http://localhost:8080/health || exit 1",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "postgresql://db.shop.internal:5432/shop?sslmode=verify-full",
        ] {
            clean(v);
        }
    }

    #[test]
    fn several_credentials_come_in_order_with_the_specific_kind_first() {
        let t =
            "https://x:ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8@github.com AKIAZ7VQ4XH2L3M5N6P7";
        let all = find_credentials(t);
        let kinds: Vec<Credential> = all.iter().map(|m| m.credential).collect();
        assert_eq!(kinds, [Credential::GithubToken, Credential::AwsAccessKeyId]);
        assert_eq!(
            find_credential(t).unwrap().credential,
            Credential::GithubToken
        );
        assert_eq!(Credential::UrlPassword.to_string(), "a password in a URL");
    }

    #[test]
    fn ranges_stay_on_character_boundaries_in_unicode_text() {
        let t = "é postgres://ü:pässwörd@db/é password=naïve";
        for m in find_credentials(t) {
            assert!(t.is_char_boundary(m.range.start) && t.is_char_boundary(m.range.end));
        }
        assert_eq!(find_credentials(t).len(), 2);
    }

    /// Texts stitched from the detector's own markers in pseudo-random order
    /// (a fixed seed: the run is the same every time) never panic and give
    /// ranges inside the text, on character boundaries.
    #[test]
    fn stitched_markers_never_panic_and_ranges_stay_in_bounds() {
        const PARTS: &[&str] = &[
            "://",
            "@",
            ":",
            "=",
            " ",
            ";",
            "\"",
            "'",
            "{",
            "}",
            "{{",
            "${",
            "$",
            "/",
            "é",
            "password",
            "Pwd",
            "postgres",
            "AKIA",
            "ASIA",
            "-----BEGIN ",
            "RSA ",
            "PRIVATE KEY-----",
            "-----END ",
            "aws_secret_access_key",
            "ghp_",
            "github_pat_",
            "glpat-",
            "xoxb-",
            "sk_live_",
            "AIza",
            "npm_",
            "SG.",
            ".",
            "A1b2C3d4E5",
            "ZZZZZZZZZZZZZZZZ",
            "x",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut found = 0;
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
                .collect();
            for m in find_credentials(&text) {
                found += 1;
                assert!(
                    m.range.start < m.range.end && m.range.end <= text.len(),
                    "{text:?}"
                );
                assert!(text.is_char_boundary(m.range.start), "{text:?}");
                assert!(text.is_char_boundary(m.range.end), "{text:?}");
            }
        }
        // The generator reaches the detectors, not only their misses.
        assert!(found > 100, "only {found} credentials found");
    }
}
