//! Kubernetes quantities (`resource.Quantity`) compared by value, exactly:
//! `1Gi` equals `1073741824`, `1000m` equals `1`, `0.5` equals `500m`,
//! `1e3` equals `1k`. No floating point: a quantity is kept as
//! `mantissa × 10^exponent`, normalized so equal values have equal forms.

/// A parsed quantity in normal form (`mantissa` has no trailing decimal zero,
/// zero is always `0 × 10^0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    mantissa: u128,
    exponent: i32,
}

/// Digits beyond this are refused (the value is then compared as text).
const MAX_DIGITS: usize = 30;

impl Quantity {
    /// Parse the Kubernetes quantity grammar:
    /// `[+-]digits[.digits][suffix]` where the suffix is a binary SI suffix
    /// (`Ki`…`Ei`), a decimal SI suffix (`n u m "" k M G T P E`) or a decimal
    /// exponent (`e3`, `E-2`). `None` for anything else.
    pub fn parse(s: &str) -> Option<Quantity> {
        let s = s.trim();
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(num_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return None;
        }
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > MAX_DIGITS {
            return None;
        }
        let mut mantissa: u128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let mut exponent = -(frac_part.len() as i32);
        let (exp10, shift2) = suffix_factors(suffix)?;
        exponent = exponent.checked_add(exp10)?;
        if shift2 > 0 {
            mantissa = mantissa.checked_mul(1u128.checked_shl(shift2)?)?;
        }
        Some(Quantity::normal(negative, mantissa, exponent))
    }

    /// A JSON number (`16`, `0.5`, `1e3`) as a quantity.
    pub fn from_json_number(n: &serde_json::Number) -> Option<Quantity> {
        Quantity::parse(&n.to_string())
    }

    fn normal(negative: bool, mut mantissa: u128, mut exponent: i32) -> Quantity {
        if mantissa == 0 {
            return Quantity {
                negative: false,
                mantissa: 0,
                exponent: 0,
            };
        }
        while mantissa.is_multiple_of(10) {
            mantissa /= 10;
            exponent += 1;
        }
        Quantity {
            negative,
            mantissa,
            exponent,
        }
    }
}

/// `(power of ten, power of two)` a suffix multiplies by.
fn suffix_factors(suffix: &str) -> Option<(i32, u32)> {
    Some(match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        s if s.starts_with(['e', 'E']) => {
            let e = &s[1..];
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            (e.parse().ok()?, 0)
        }
        _ => return None,
    })
}

/// Two quantity texts with the same value.
pub fn equal(a: &str, b: &str) -> bool {
    matches!((Quantity::parse(a), Quantity::parse(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn equal_values_in_different_forms() {
        for (a, b) in [
            ("1Gi", "1073741824"),
            ("1000m", "1"),
            ("0.5", "500m"),
            ("1e3", "1k"),
            ("1E3", "1000"),
            ("1536Gi", "1.5Ti"),
            ("1Ki", "1024"),
            ("0", "0m"),
            ("-0", "0Gi"),
            ("+2", "2"),
            ("0.1Gi", "107374182.4"),
            ("100M", "1e8"),
            ("250m", "0.25"),
            ("1Ei", "1152921504606846976"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e-3", "1m"),
            ("007", "7"),
        ] {
            assert_eq!(q(a), q(b), "{a} vs {b}");
            assert!(equal(a, b));
        }
    }

    #[test]
    fn different_values() {
        for (a, b) in [
            ("1Gi", "1G"),
            ("1", "1m"),
            ("64", "96"),
            ("-1", "1"),
            ("1Mi", "1M"),
            ("100Mi", "100m"),
        ] {
            assert_ne!(q(a), q(b), "{a} vs {b}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_quantity() {
        for s in [
            "", "Gi", "1.2.3", "1Gb", "abc", "v1", "1 Gi", "1e", "1e+", "1ee3", "-", ".", "1ki",
            "TCP", "0x10", "1e99999",
        ] {
            assert!(Quantity::parse(s).is_none(), "{s:?} should not parse");
        }
        // Too many digits to be exact: refused rather than rounded.
        assert!(Quantity::parse(&"9".repeat(40)).is_none());
        assert!(Quantity::parse("99999999999999999999999999Ei").is_none());
    }

    #[test]
    fn json_numbers() {
        let n: serde_json::Value = serde_json::json!([16, 0.5, 1e3]);
        let nums: Vec<Quantity> = n
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Quantity::from_json_number(v.as_number().unwrap()).unwrap())
            .collect();
        assert_eq!(nums, vec![q("16"), q("500m"), q("1k")]);
    }
}
