//! Embeds the page templates, our static files and the compiled NHS.UK frontend
//! (installed by `npm ci` from the pinned package-lock.json) into the binary, so that
//! Linkwell is one self-contained file that fetches nothing at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..").canonicalize().unwrap();
    let nhsuk = root.join("node_modules/nhsuk-frontend/dist/nhsuk");
    let mut code = String::new();

    let templates = manifest.join("templates");
    let mut files = Vec::new();
    walk(&templates, &mut files);
    code.push_str("pub static TEMPLATES: &[(&str, &str)] = &[\n");
    for f in &files {
        let name = f.strip_prefix(&templates).unwrap().to_string_lossy().replace('\\', "/");
        writeln!(code, "    ({name:?}, include_str!({:?})),", f.display().to_string()).unwrap();
    }
    code.push_str("];\n");

    // (URL path under /assets/, file)
    let mut assets: Vec<(String, PathBuf)> = Vec::new();
    let css = nhsuk.join("nhsuk-frontend.min.css");
    let js = nhsuk.join("nhsuk-frontend.min.js");
    if !css.exists() || !js.exists() {
        panic!(
            "\n\nThe NHS.UK frontend is not installed ({}).\nRun `npm ci` in the repository root (scripts/demo and scripts/test do this for you).\n\n",
            nhsuk.display()
        );
    }
    assets.push(("nhsuk-frontend.min.css".into(), css));
    assets.push(("nhsuk-frontend.min.js".into(), js));
    let mut images = Vec::new();
    walk(&nhsuk.join("assets/images"), &mut images);
    for f in images {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".svg") || name.ends_with(".png") || name.ends_with(".ico") {
            assets.push((format!("images/{name}"), f));
        }
    }
    let mut ours = Vec::new();
    walk(&manifest.join("static"), &mut ours);
    for f in ours {
        let name = f.strip_prefix(manifest.join("static")).unwrap().to_string_lossy().replace('\\', "/");
        assets.push((name, f));
    }
    code.push_str("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for (name, f) in &assets {
        writeln!(code, "    ({name:?}, include_bytes!({:?})),", f.display().to_string()).unwrap();
    }
    code.push_str("];\n");

    let version = std::fs::read_to_string(root.join("node_modules/nhsuk-frontend/package.json"))
        .ok()
        .and_then(|s| {
            s.split("\"version\":")
                .nth(1)
                .map(|v| v.trim().trim_start_matches('"').split('"').next().unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    writeln!(code, "pub const NHSUK_FRONTEND_VERSION: &str = {version:?};").unwrap();

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed={}", nhsuk.display());
    println!("cargo:rerun-if-changed={}", root.join("package-lock.json").display());
}
