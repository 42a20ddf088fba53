//! A log writer that keeps one event on one line: carriage returns and line feeds inside an
//! event (a mail body, a client-supplied name, an error message) are written as `\r` and `\n`, so
//! nothing a client sends can forge a log line.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

/// Makes [`OneLine`] writers over standard error.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneLineStderr;

impl<'a> MakeWriter<'a> for OneLineStderr {
    type Writer = OneLine<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLine(io::stderr())
    }
}

/// Escapes CR and LF in each write except the line feed that ends it. `tracing-subscriber`
/// formats an event completely and writes it with one `write_all`, so one write is one event.
#[derive(Debug)]
pub struct OneLine<W>(pub W);

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (body, end) = match buf.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (buf, &b""[..]),
        };
        if !body.contains(&b'\n') && !body.contains(&b'\r') {
            self.0.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut line = Vec::with_capacity(buf.len() + 16);
        for &b in body {
            match b {
                b'\n' => line.extend_from_slice(b"\\n"),
                b'\r' => line.extend_from_slice(b"\\r"),
                other => line.push(other),
            }
        }
        line.extend_from_slice(end);
        self.0.write_all(&line)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_inside_an_event_are_escaped() {
        let mut out = OneLine(Vec::new());
        out.write_all(b"INFO mail body=Hello\nforged INFO line\r\n\n")
            .unwrap();
        assert_eq!(out.0, b"INFO mail body=Hello\\nforged INFO line\\r\\n\n");
        let mut out = OneLine(Vec::new());
        out.write_all(b"plain\n").unwrap();
        assert_eq!(out.0, b"plain\n");
    }
}
