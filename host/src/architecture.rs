//! The layering, checked: a test reads the sources and fails when an import runs the wrong way
//! (`docs/architecture.md`, "Layers"). Imports that still do are listed in [`KNOWN`] as debt to
//! pay off; the test fails for any new one, and for a listed one that is gone (so the list only
//! shrinks).

/// A rule: files under `under` (a folder below `src/`, or a file) must not name `forbidden`.
struct Rule {
    under: &'static str,
    forbidden: &'static [&'static str],
}

const RULES: &[Rule] = &[
    // The records are plain data: they import no other layer.
    Rule {
        under: "model",
        forbidden: &[
            "crate::store",
            "crate::domain",
            "crate::actions",
            "crate::api",
            "crate::app",
        ],
    },
    // Storage sits behind the domain.
    Rule {
        under: "store",
        forbidden: &[
            "crate::domain",
            "crate::actions",
            "crate::api",
            "crate::app",
        ],
    },
    // The plugin runtime knows nothing of the domain or of SQL (it could be its own crate).
    Rule {
        under: "plugins",
        forbidden: &[
            "crate::domain",
            "crate::store",
            "crate::events",
            "crate::actions",
            "crate::api",
            "crate::app",
        ],
    },
    // The webhook machinery (client, signing, retries) is driven by the domain's jobs.
    Rule {
        under: "webhooks",
        forbidden: &[
            "crate::domain",
            "crate::actions",
            "crate::api",
            "crate::app",
        ],
    },
    // The event feed and bus know nothing of the domain or of how they are served.
    Rule {
        under: "events",
        forbidden: &[
            "crate::domain",
            "crate::actions",
            "crate::api",
            "crate::app",
        ],
    },
    // The domain knows nothing of HTTP, of the registry or of how the application is assembled.
    Rule {
        under: "domain",
        forbidden: &["crate::api", "crate::actions", "crate::app"],
    },
    // The registry runs the domain's operations for every interface, whichever serves them.
    Rule {
        under: "actions",
        forbidden: &["crate::api", "crate::app"],
    },
];

/// Files that still break a rule, as debt to pay off (none today: the list only shrinks).
const KNOWN: &[&str] = &[];

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{KNOWN, RULES};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn imports_run_down_the_layers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut breaking = Vec::new();
        for rule in RULES {
            let mut files = Vec::new();
            rust_files(&root.join("src").join(rule.under), &mut files);
            let module_file = root.join("src").join(format!("{}.rs", rule.under));
            if module_file.exists() {
                files.push(module_file);
            }
            for file in files {
                let text = std::fs::read_to_string(&file).expect("source readable");
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if rule.forbidden.iter().any(|f| code.contains(f)) {
                    let relative = file
                        .strip_prefix(root)
                        .expect("under the crate")
                        .to_string_lossy()
                        .replace('\\', "/");
                    breaking.push(relative);
                }
            }
        }
        breaking.sort();
        breaking.dedup();
        let new: Vec<&String> = breaking
            .iter()
            .filter(|f| !KNOWN.contains(&f.as_str()))
            .collect();
        assert!(
            new.is_empty(),
            "imports against the layering (docs/architecture.md): {new:?}"
        );
        let paid: Vec<&&str> = KNOWN
            .iter()
            .filter(|k| !breaking.iter().any(|b| b == *k))
            .collect();
        assert!(
            paid.is_empty(),
            "no longer breaking the layering — remove from architecture::KNOWN: {paid:?}"
        );
    }
}
