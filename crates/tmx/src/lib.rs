/*!
Reads every real TMX file there is, and writes TMX that CAT tools accept.

The reader streams: [`TmxReader`] yields one [`Tu`](tmkit_core::Tu) at a
time, so memory follows the largest unit, not the file. It takes TMX 1.1 to
1.4b (and the version typos of the wild, with a warning), UTF-8, UTF-16 with
or without byte-order mark, any encoding a declaration names (windows-1252,
ISO-8859-x, us-ascii…), declarations that lie, `.tmx.gz` and `.zip`. It keeps
the whole model: header, props (typed or vendor `name=`), notes, `ude`s, unit
and variant attributes, TMX 1.1 `lang=`, and inline markup as structure
(foreign elements and undeclared prefixes included). Language codes are
normalized (`EN-US`, `fr_FR`, `eng-GB`, `French`), the original kept.

Problems are reported, not hidden: a broken unit is a soft [`Error::Tu`] with
its `path:line:col` and reading goes on; malformed XML is fatal
([`Error::is_fatal`]); everything else is a [`Diagnostic`] in
[`TmxReader::warnings`]. [`TmxReader::strict`] makes any problem fatal.
Entities declared in a DOCTYPE are refused, and nothing is ever fetched.

[`TmxWriter`] writes TMX 1.4 in UTF-8 that validates against `tmx14.dtd`,
with inline markup or as plain text. The policies (which variant is the
source, how vendor props and attributes are written) are in `docs/TMX.md`.
TSV is read and written by `tmkit-engine`, by one pair of field functions.

This crate does not store, segment or match: it only turns bytes into units
and units into bytes.

```
use std::path::Path;
use tmkit_core::Lang;
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

// A UTF-16 file from the LISA compliance kit, with mixed-case language codes.
let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tmx/lisa-compkit/ImportTest2A.tmx");
let mut reader = TmxReader::from_path(&path)?;
assert_eq!(reader.encoding(), "UTF-16LE");
let units: Vec<_> = reader.by_ref().collect::<Result<_, _>>()?;
assert_eq!(units.len(), 7);
assert_eq!(reader.source_lang().map(|l| l.as_str()), Some("en-US"));

let mut writer = TmxWriter::new(Vec::new(), WriteOptions::new(Lang::parse("en-US")?))?;
for tu in &units {
    writer.write_tu(tu)?;
}
let bytes = writer.finish()?;
let again: Vec<_> = TmxReader::from_slice(&bytes, "copy.tmx")?.collect::<Result<_, _>>()?;
assert_eq!(again.len(), units.len());
assert_eq!(again[0].variants[0].seg, units[0].variants[0].seg);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

// Every public item is documented: the crate is a contract with the engine.
#![deny(missing_docs)]

pub use crate::{
    error::{Diagnostic, Error, Result},
    policy::{find_variant, source_variant},
    reader::{Header, Limits, TmxReader, Ude},
    writer::{TmxWriter, WriteOptions},
};

mod ahead;
mod decode;
mod error;
mod guard;
mod policy;
mod reader;
mod text;
mod writer;

#[cfg(test)]
mod tests;
