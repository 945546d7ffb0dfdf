//! Name and value syntax shared by validation and the emitter.

/// DNS-1123 label: what Kubernetes accepts for namespaces and most names.
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// DNS-1035 label: a DNS-1123 label that starts with a letter (KServe names).
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// A Kubernetes label key: optional DNS subdomain prefix and a name of at most 63 chars.
pub fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix
        && (p.is_empty() || p.len() > 253 || !p.split('.').all(is_dns1123_label))
    {
        return false;
    }
    is_label_value(name) && !name.is_empty()
}

/// A Kubernetes label value: empty, or up to 63 alphanumerics, `-`, `_`, `.`,
/// starting and ending with an alphanumeric.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric())
}

/// Parse a Kubernetes quantity into a number of base units (cores, bytes).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => {
            // Exponent form: 1e3, 12E6.
            let lower = suffix.to_ascii_lowercase();
            let exp: i32 = lower.strip_prefix('e')?.parse().ok()?;
            10f64.powi(exp)
        }
    };
    Some(n * mult)
}

/// Split an image reference into (registry+repository, tag, digest).
pub fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&rest[..at], Some(&rest[at + 1..]), digest)
        }
        None => (rest, None, digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_names() {
        assert!(is_dns1123_label("team-a1"));
        assert!(!is_dns1123_label("Team"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("../etc"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1035_label("m1"));
        assert!(!is_dns1035_label("1m"));
        assert!(is_label_key("nvidia.com/gpu.product"));
        assert!(!is_label_key("/x"));
        assert!(is_label_value("NVIDIA-A100-SXM4-80GB"));
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1Gi"), Some(1073741824.0));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("64"), Some(64.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("12 cores"), None);
        assert_eq!(parse_quantity("-1"), None);
    }

    #[test]
    fn images() {
        assert_eq!(
            split_image("registry:5000/a/b:1.2"),
            ("registry:5000/a/b", Some("1.2"), None)
        );
        assert_eq!(
            split_image("registry:5000/a/b"),
            ("registry:5000/a/b", None, None)
        );
        assert_eq!(split_image("a@sha256:x"), ("a", None, Some("sha256:x")));
    }
}
