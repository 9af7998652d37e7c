//! Counts panics anywhere in the test process (the store's handlers and worker, the emulator),
//! since a panic in a spawned task is otherwise silent: the task just ends.

use std::sync::{Mutex, Once};

static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Records every panic's message and location, then reports it as before.
pub fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut seen) = SEEN.lock() {
                seen.push(info.to_string());
            }
            previous(info);
        }));
    });
}

/// How many panics so far; `since(mark)` lists those after a mark.
pub fn mark() -> usize {
    SEEN.lock().map(|s| s.len()).unwrap_or(0)
}

pub fn since(mark: usize) -> Vec<String> {
    SEEN.lock()
        .map(|s| s.get(mark..).unwrap_or_default().to_vec())
        .unwrap_or_default()
}
