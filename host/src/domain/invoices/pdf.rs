//! Renders an invoice as a one-or-more-page A4 PDF with the standard Helvetica fonts (no font
//! files embedded): header with the number and dates, the client, the lines, and subtotal, taxes
//! and total formatted in the invoice's currency. Text is WinAnsi-encoded; characters outside it
//! print as `?`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::{Invoice, format_money};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LINE: f32 = 16.0;

/// WinAnsi bytes for `text` (Latin-1 maps directly for the printable range; the rest is `?`).
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '–' => 0x96,
            '—' => 0x97,
            '’' => 0x92,
            _ => b'?',
        })
        .collect()
}

/// Cuts `text` to `max` characters, with an ellipsis when it was longer.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(3)).collect();
        s.push_str("...");
        s
    }
}

struct Writer {
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    fn new() -> Self {
        let mut w = Writer {
            pages: Vec::new(),
            y: 0.0,
        };
        w.page();
        w
    }

    fn page(&mut self) {
        self.pages.push(Content::new());
        self.y = HEIGHT - MARGIN;
    }

    fn text(&mut self, x: f32, bold: bool, size: f32, text: &str) {
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        let bytes = win_ansi(text);
        let c = self.pages.last_mut().expect("a page exists");
        c.begin_text();
        c.set_font(font, size);
        c.next_line(x, self.y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Right-aligned at `right`, using Helvetica's average width (an estimate is enough for
    /// digits, which all have the same width, 0.556 em).
    fn text_right(&mut self, right: f32, bold: bool, size: f32, text: &str) {
        let width = text.chars().count() as f32 * 0.556 * size;
        self.text(right - width, bold, size, text);
    }

    fn advance(&mut self, by: f32) {
        self.y -= by;
        if self.y < MARGIN + LINE {
            self.page();
        }
    }
}

/// The PDF bytes of `inv`.
pub fn render(inv: &Invoice, client_name: &str, org_name: &str) -> Vec<u8> {
    let mut w = Writer::new();
    let title = match &inv.number {
        Some(n) => format!("Invoice {n}"),
        None => "Invoice (draft)".to_owned(),
    };
    w.text(MARGIN, true, 20.0, &title);
    w.advance(28.0);
    w.text(
        MARGIN,
        false,
        10.0,
        &format!("From: {}", clip(org_name, 80)),
    );
    w.advance(LINE);
    w.text(
        MARGIN,
        false,
        10.0,
        &format!("Bill to: {}", clip(client_name, 80)),
    );
    w.advance(LINE);
    w.text(
        MARGIN,
        false,
        10.0,
        &format!(
            "Issue date: {}    Due date: {}    Status: {}",
            inv.issue_date, inv.due_date, inv.status
        ),
    );
    w.advance(LINE);
    if let (Some(f), Some(t)) = (inv.period_from, inv.period_to) {
        w.text(MARGIN, false, 10.0, &format!("Period: {f} to {t}"));
        w.advance(LINE);
    }
    w.advance(LINE);
    let right = WIDTH - MARGIN;
    w.text(MARGIN, true, 10.0, "Description");
    w.text_right(right - 220.0, true, 10.0, "Quantity");
    w.text_right(right - 110.0, true, 10.0, "Unit price");
    w.text_right(right, true, 10.0, "Amount");
    w.advance(LINE);
    for l in &inv.lines {
        w.text(MARGIN, false, 10.0, &clip(&l.description, 48));
        let q = format!("{:.3}", l.quantity_milli as f64 / 1000.0);
        let q = q.trim_end_matches('0').trim_end_matches('.').to_owned();
        w.text_right(right - 220.0, false, 10.0, &q);
        w.text_right(
            right - 110.0,
            false,
            10.0,
            &format_money(l.unit_price, &inv.currency),
        );
        w.text_right(right, false, 10.0, &format_money(l.amount, &inv.currency));
        w.advance(LINE);
    }
    w.advance(LINE / 2.0);
    if inv.discount != 0 {
        w.text_right(right - 130.0, false, 10.0, "Discount");
        w.text_right(
            right,
            false,
            10.0,
            &format_money(-inv.discount, &inv.currency),
        );
        w.advance(LINE);
    }
    w.text_right(right - 130.0, false, 10.0, "Subtotal");
    w.text_right(
        right,
        false,
        10.0,
        &format_money(inv.subtotal, &inv.currency),
    );
    w.advance(LINE);
    for t in &inv.taxes {
        let label = format!(
            "{} ({}.{:02} %)",
            clip(&t.description, 30),
            t.rate_bp / 100,
            t.rate_bp % 100
        );
        w.text_right(right - 130.0, false, 10.0, &label);
        w.text_right(right, false, 10.0, &format_money(t.amount, &inv.currency));
        w.advance(LINE);
    }
    if inv.taxes.is_empty() && inv.tax != 0 {
        w.text_right(right - 130.0, false, 10.0, "Tax");
        w.text_right(right, false, 10.0, &format_money(inv.tax, &inv.currency));
        w.advance(LINE);
    }
    w.text_right(right - 130.0, true, 12.0, "Total");
    w.text_right(right, true, 12.0, &format_money(inv.total, &inv.currency));
    w.advance(LINE * 2.0);
    if let Some(notes) = &inv.notes {
        for line in notes.lines().take(40) {
            w.text(MARGIN, false, 9.0, &clip(line, 100));
            w.advance(12.0);
        }
    }

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let first_page = 5;
    let page_ids: Vec<Ref> = (0..w.pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (i, content) in w.pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(tree)
            .contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}
