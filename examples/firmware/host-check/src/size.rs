//! The size report: what omnimetrics costs in flash and RAM on a micro:bit.
//!
//! Three builds of the same firmware, all `opt-level = "z"` with fat LTO:
//! without the library, with the library and the frame sink but only one
//! instrumented function, and with all 16 instrumented. Flash is `.text` +
//! `.rodata`, RAM is `.data` + `.bss` (the stack is not counted: it is not
//! a section). The difference between the last two, divided by 15, is the
//! cost of one more instrumented function; the rest of the difference to
//! the build without the library is its fixed cost. The symbols that only
//! the instrumented build has show where the bytes go.
//!
//! Goals (issue 8): the library with 16 functions and the frame sink adds at
//! most 4 KiB of flash, and at most 256 bytes of RAM per function.

use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};
use std::collections::BTreeMap;
use std::path::Path;

/// The goal for the flash the library adds, 16 functions and frame sink.
pub(crate) const FLASH_GOAL: i64 = 4096;
/// The goal for RAM per instrumented function.
pub(crate) const RAM_PER_FUNCTION_GOAL: i64 = 256;

/// Section sizes and symbols of one ELF file.
#[derive(Debug, Default)]
pub(crate) struct Image {
    pub(crate) text: u64,
    pub(crate) rodata: u64,
    pub(crate) data: u64,
    pub(crate) bss: u64,
    /// Demangled name (without hash) to (size, in flash?).
    pub(crate) symbols: BTreeMap<String, (u64, bool)>,
}

impl Image {
    pub(crate) fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = object::File::parse(&*bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut image = Self::default();
        for section in file.sections() {
            let size = section.size();
            match section.name().unwrap_or("") {
                ".text" => image.text += size,
                ".rodata" => image.rodata += size,
                ".data" => image.data += size,
                ".bss" => image.bss += size,
                _ => {}
            }
        }
        for sym in file.symbols() {
            if sym.size() == 0 || !matches!(sym.kind(), SymbolKind::Text | SymbolKind::Data) {
                continue;
            }
            let in_flash = sym
                .section_index()
                .and_then(|i| file.section_by_index(i).ok())
                .is_some_and(|s| {
                    !matches!(s.kind(), SectionKind::Data | SectionKind::UninitializedData)
                });
            let name = format!("{:#}", rustc_demangle::demangle(sym.name().unwrap_or("?")));
            let entry = image.symbols.entry(name).or_insert((0, in_flash));
            entry.0 += sym.size();
        }
        Ok(image)
    }

    pub(crate) fn flash(&self) -> i64 {
        (self.text + self.rodata) as i64
    }

    pub(crate) fn ram(&self) -> i64 {
        (self.data + self.bss) as i64
    }

    /// Sizes of the per-function metric statics the macro emits.
    fn function_statics(&self) -> Vec<u64> {
        self.symbols
            .iter()
            .filter(|(n, _)| n.ends_with("::__OMNIMETRICS_METRICS"))
            .map(|(_, (size, _))| *size)
            .collect()
    }
}

/// Who a symbol belongs to, for the breakdown.
fn owner(symbol: &str) -> &'static str {
    let s = symbol.trim_start_matches('<');
    if s.contains("__OMNIMETRICS_") {
        "per-function statics (macro)"
    } else if s.starts_with("omnimetrics_sinks") {
        "omnimetrics-sinks"
    } else if s.starts_with("omnimetrics") {
        "omnimetrics (core)"
    } else if s.starts_with("portable_atomic") {
        "portable-atomic"
    } else if s.starts_with("postcard") || s.starts_with("serde") || s.starts_with("cobs") {
        "postcard/serde/cobs"
    } else if s.starts_with("crc") {
        "crc"
    } else if s.starts_with("core::str") || s.starts_with("core::unicode") {
        "core::str, core::unicode"
    } else if s.starts_with("core::fmt") || s.contains("as core::fmt::") {
        "core::fmt"
    } else if s.starts_with("compiler_builtins") || s.starts_with("__aeabi") {
        "compiler-builtins"
    } else if s.starts_with("firmware") {
        "firmware (instrumented code)"
    } else {
        "other"
    }
}

/// Prints the report; `Err` lists the goals that were missed.
pub(crate) fn report(
    bare: &Image,
    one: &Image,
    full: &Image,
    text: Option<&Image>,
    functions: i64,
) -> Result<(), Vec<String>> {
    println!("microbit firmware (thumbv6m-none-eabi, opt-level=\"z\", fat LTO)");
    println!(
        "  {:<52} {:>8} {:>8}   {:>6} {:>7} {:>6} {:>6}",
        "build", "flash", "RAM", ".text", ".rodata", ".data", ".bss"
    );
    let row = |name: &str, i: &Image| {
        println!(
            "  {name:<52} {:>8} {:>8}   {:>6} {:>7} {:>6} {:>6}",
            i.flash(),
            i.ram(),
            i.text,
            i.rodata,
            i.data,
            i.bss
        );
    };
    row("without omnimetrics", bare);
    row("omnimetrics + frame sink, 1 function instrumented", one);
    row(
        &format!("omnimetrics + frame sink, {functions} functions instrumented"),
        full,
    );
    if let Some(text) = text {
        row(
            &format!("omnimetrics + text sink, {functions} functions instrumented"),
            text,
        );
    }

    let more = functions - 1;
    let per_fn_flash = (full.flash() - one.flash()) as f64 / more as f64;
    let per_fn_ram = (full.ram() - one.ram()) as f64 / more as f64;
    let added_flash = full.flash() - bare.flash();
    let added_ram = full.ram() - bare.ram();
    let statics = full.function_statics();
    let static_max = statics.iter().copied().max().unwrap_or(0) as i64;
    println!();
    println!(
        "  added by the library ({functions} functions + frame sink): flash {added_flash:+} B (goal <= {FLASH_GOAL}), RAM {added_ram:+} B"
    );
    println!(
        "  per instrumented function (({functions} - 1 function builds) / {more}): flash {per_fn_flash:+.1} B, RAM {per_fn_ram:+.1} B"
    );
    println!(
        "  fixed cost (1-function build - no library - 1 function): flash {:+.0} B, RAM {:+.0} B",
        (one.flash() - bare.flash()) as f64 - per_fn_flash,
        (one.ram() - bare.ram()) as f64 - per_fn_ram
    );
    println!(
        "  per-function metrics static (FunctionMetrics, from symbols): {} statics, {} B each (goal <= {RAM_PER_FUNCTION_GOAL})",
        statics.len(),
        static_max
    );

    // Where the bytes go: symbols the full build has and the bare one has
    // not (or has smaller), by owner.
    let mut by_owner: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut grown: Vec<(i64, &str, bool)> = Vec::new();
    for (name, (size, flash)) in &full.symbols {
        let before = bare.symbols.get(name).map_or(0, |s| s.0);
        let delta = *size as i64 - before as i64;
        if delta == 0 {
            continue;
        }
        let e = by_owner.entry(owner(name)).or_default();
        if *flash {
            e.0 += delta;
        } else {
            e.1 += delta;
        }
        grown.push((delta, name, *flash));
    }
    for (name, (size, flash)) in &bare.symbols {
        if !full.symbols.contains_key(name) {
            let e = by_owner.entry(owner(name)).or_default();
            if *flash {
                e.0 -= *size as i64;
            } else {
                e.1 -= *size as i64;
            }
        }
    }
    println!();
    println!("  symbol bytes the library build adds, by owner (symbols only: alignment and");
    println!("  literal pools are not symbols, so the sums differ a little from the sections):");
    for (owner, (flash, ram)) in &by_owner {
        println!("    {owner:<32} flash {flash:+6} B   RAM {ram:+6} B");
    }
    grown.sort_by_key(|g| std::cmp::Reverse(g.0));
    println!("  largest added flash symbols:");
    for (delta, name, _) in grown.iter().filter(|g| g.2).take(12) {
        let mut name = name.to_string();
        if name.len() > 96 {
            name.truncate(93);
            name.push_str("...");
        }
        println!("    {delta:+6} B  {name}");
    }

    let mut missed = Vec::new();
    if added_flash > FLASH_GOAL {
        missed.push(format!(
            "flash: the library adds {added_flash} B, {} B over the {FLASH_GOAL} B goal",
            added_flash - FLASH_GOAL
        ));
    }
    if static_max > RAM_PER_FUNCTION_GOAL {
        missed.push(format!(
            "RAM: {static_max} B per function, {} B over the {RAM_PER_FUNCTION_GOAL} B goal",
            static_max - RAM_PER_FUNCTION_GOAL
        ));
    }
    if per_fn_ram > RAM_PER_FUNCTION_GOAL as f64 {
        missed.push(format!(
            "RAM: {per_fn_ram:.1} B per added function, over the {RAM_PER_FUNCTION_GOAL} B goal"
        ));
    }
    println!();
    if missed.is_empty() {
        println!("  size goals met");
        Ok(())
    } else {
        Err(missed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        assert_eq!(
            owner("omnimetrics::registry::register_function"),
            "omnimetrics (core)"
        );
        assert_eq!(
            owner("<omnimetrics_sinks::frame::Encoder as x>::y"),
            "omnimetrics-sinks"
        );
        assert_eq!(
            owner("firmware_app::workload::checksum::__OMNIMETRICS_METRICS"),
            "per-function statics (macro)"
        );
        assert_eq!(owner("<u64 as core::fmt::Display>::fmt"), "core::fmt");
        assert_eq!(
            owner("<core::str::pattern::StrSearcher>::new"),
            "core::str, core::unicode"
        );
    }
}
