//! Writes a large TMX with tmkit's writer, to check that reading it takes
//! bounded memory: `cargo run --release -p tmkit-tmx --example bigtmx -- OUT.tmx UNITS`,
//! then `/usr/bin/time -v cargo run --release -p tmkit-tmx --example tmxstat -- OUT.tmx`.

use std::{fs::File, io::BufWriter};

use tmkit_core::{Lang, Tu};
use tmkit_tmx::{TmxWriter, WriteOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bigtmx OUT.tmx UNITS")?;
    let units: u64 = args.next().ok_or("usage: bigtmx OUT.tmx UNITS")?.parse()?;
    let (en, fr) = (Lang::parse("en-US")?, Lang::parse("fr-FR")?);
    let mut w = TmxWriter::new(
        BufWriter::new(File::create(&path)?),
        WriteOptions::new(en.clone()),
    )?;
    for i in 0..units {
        let mut tu = Tu::bilingual(
            en.clone(),
            format!("The committee approved report number {i} after a long debate on the budget.")
                .as_str(),
            fr.clone(),
            format!(
                "Le comité a approuvé le rapport numéro {i} après un long débat sur le budget."
            )
            .as_str(),
        );
        tu.set_attr("tuid", i.to_string());
        tu.set_attr("creationdate", "20240131T120000Z");
        w.write_tu(&tu)?;
    }
    w.finish()?;
    Ok(())
}
