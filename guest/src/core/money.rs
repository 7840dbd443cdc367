//! Money in minor units (cents), so that sums are exact and an order's
//! subtotal equals its lines to the cent.

pub type Cents = i64;

/// Rounds a price in major units to cents.
pub fn to_cents(amount: f64) -> Cents {
    (amount * 100.0).round() as Cents
}

/// `part` of `amount`, rounded half away from zero (for tax and discounts).
pub fn portion(amount: Cents, rate: f64) -> Cents {
    (amount as f64 * rate).round() as Cents
}

/// A retail-looking price: whole units ending in .99, .95 or .00.
pub fn retail_price(amount: f64, ending: u8) -> Cents {
    let whole = amount.floor().max(0.0) as Cents;
    match ending % 3 {
        0 => (whole * 100 + 99).max(99),
        1 => (whole * 100 + 95).max(95),
        _ => (whole.max(1)) * 100,
    }
}

/// Writes cents as a JSON number with two decimals (`12.30`).
#[inline]
pub fn write_json(cents: Cents, out: &mut Vec<u8>) {
    if cents < 0 {
        out.push(b'-');
    }
    let c = cents.unsigned_abs();
    // Amounts below $42.9M fit 32 bits: WebAssembly divides those fast.
    let (units, hundredths) = match u32::try_from(c) {
        Ok(c) => (u64::from(c / 100), c % 100),
        Err(_) => (c / 100, (c % 100) as u32),
    };
    match u32::try_from(units) {
        Ok(u) => crate::core::bytes::append(out, itoa::Buffer::new().format(u).as_bytes()),
        Err(_) => out.extend_from_slice(itoa::Buffer::new().format(units).as_bytes()),
    }
    out.push(b'.');
    out.push(b'0' + (hundredths / 10) as u8);
    out.push(b'0' + (hundredths % 10) as u8);
}

pub fn format(cents: Cents) -> String {
    let mut out = Vec::new();
    write_json(cents, &mut out);
    String::from_utf8(out).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        assert_eq!(format(1230), "12.30");
        assert_eq!(format(5), "0.05");
        assert_eq!(format(-1999), "-19.99");
        assert_eq!(format(0), "0.00");
    }

    #[test]
    fn retail_prices_look_retail() {
        assert_eq!(retail_price(23.4, 0), 2399);
        assert_eq!(retail_price(23.4, 1), 2395);
        assert_eq!(retail_price(23.4, 2), 2300);
        assert_eq!(retail_price(0.3, 2), 100);
        assert_eq!(portion(1999, 0.0725), 145);
    }
}
