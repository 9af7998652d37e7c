//! The words of product pictures in the back office: the upload form and why an upload was
//! refused.

use crate::domain::{Lang, PictureProblem};

/// The picture form of the product page.
#[derive(Debug)]
pub struct PictureTexts {
    pub heading: &'static str,
    pub current: &'static str,
    pub none: &'static str,
    /// The file input's label; `{max}` is the limit in MiB.
    pub file: &'static str,
    pub formats: &'static str,
    pub alt: &'static str,
    pub alt_hint: &'static str,
    pub upload: &'static str,
}

impl PictureTexts {
    /// "JPEG, PNG or WebP, up to 5 MiB."
    pub fn formats(&self, max_bytes: usize) -> String {
        self.formats.replace("{max}", &mib(max_bytes))
    }
}

fn in_lang<T>(lang: Lang, [pt, es, en]: [T; 3]) -> T {
    match lang {
        Lang::Pt => pt,
        Lang::Es => es,
        Lang::En => en,
    }
}

/// The picture form's words in `lang`.
pub fn picture_texts(lang: Lang) -> &'static PictureTexts {
    in_lang(lang, [&PT, &ES, &EN])
}

static PT: PictureTexts = PictureTexts {
    heading: "Foto",
    current: "Foto atual",
    none: "Este produto ainda não tem foto.",
    file: "Arquivo da foto",
    formats: "JPEG, PNG ou WebP, até {max}. Os metadados (EXIF, localização) são removidos.",
    alt: "Texto alternativo",
    alt_hint:
        "Descreva a foto para quem não pode vê-la (obrigatório). Sem arquivo, só o texto muda.",
    upload: "Salvar foto",
};

static ES: PictureTexts = PictureTexts {
    heading: "Foto",
    current: "Foto actual",
    none: "Este producto todavía no tiene foto.",
    file: "Archivo de la foto",
    formats: "JPEG, PNG o WebP, hasta {max}. Se quitan los metadatos (EXIF, ubicación).",
    alt: "Texto alternativo",
    alt_hint: "Describe la foto para quien no puede verla (obligatorio). Sin archivo, solo cambia el texto.",
    upload: "Guardar foto",
};

static EN: PictureTexts = PictureTexts {
    heading: "Picture",
    current: "Current picture",
    none: "This product has no picture yet.",
    file: "Picture file",
    formats: "JPEG, PNG or WebP, up to {max}. Metadata (EXIF, location) is removed.",
    alt: "Alt text",
    alt_hint: "Describe the picture for people who cannot see it (required). Without a file, only the text changes.",
    upload: "Save picture",
};

/// `5 MiB`, or `1.5 MiB`: one decimal at most.
fn mib(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10 + (1 << 19)) >> 20;
    if tenths.is_multiple_of(10) {
        format!("{} MiB", tenths / 10)
    } else {
        format!("{}.{} MiB", tenths / 10, tenths % 10)
    }
}

/// Why an upload was refused, as the merchant reads it.
pub fn picture_problem(lang: Lang, problem: &PictureProblem) -> String {
    use PictureProblem as P;
    let side = PictureProblem::MAX_SIDE;
    match (problem, lang) {
        (P::TooLarge { max_bytes }, Lang::Pt) => format!("O arquivo é grande demais: o máximo é {}. Nada foi alterado.", mib(*max_bytes)),
        (P::TooLarge { max_bytes }, Lang::Es) => format!("El archivo es demasiado grande: el máximo es {}. No se cambió nada.", mib(*max_bytes)),
        (P::TooLarge { max_bytes }, Lang::En) => format!("The file is too large: the limit is {}. Nothing was changed.", mib(*max_bytes)),
        (P::NotAPicture, Lang::Pt) => "O arquivo não é uma foto JPEG, PNG ou WebP (o conteúdo foi verificado, não o nome). Nada foi alterado.".into(),
        (P::NotAPicture, Lang::Es) => "El archivo no es una foto JPEG, PNG o WebP (se revisó el contenido, no el nombre). No se cambió nada.".into(),
        (P::NotAPicture, Lang::En) => "The file is not a JPEG, PNG or WebP picture (its content was checked, not its name). Nothing was changed.".into(),
        (P::TooManyPixels, Lang::Pt) => format!("A foto é grande demais: no máximo {side} pixels de lado e 40 megapixels."),
        (P::TooManyPixels, Lang::Es) => format!("La foto es demasiado grande: como máximo {side} píxeles de lado y 40 megapíxeles."),
        (P::TooManyPixels, Lang::En) => format!("The picture is too large: at most {side} pixels a side and 40 megapixels."),
        (P::NoFile, Lang::Pt) => "Escolha um arquivo: este produto ainda não tem foto.".into(),
        (P::NoFile, Lang::Es) => "Elige un archivo: este producto todavía no tiene foto.".into(),
        (P::NoFile, Lang::En) => "Choose a file: this product has no picture yet.".into(),
        (P::Unreadable, Lang::Pt) => "O formulário não chegou inteiro. Recarregue a página e tente de novo.".into(),
        (P::Unreadable, Lang::Es) => "El formulario no llegó completo. Recarga la página e inténtalo de nuevo.".into(),
        (P::Unreadable, Lang::En) => "The form did not arrive whole. Reload the page and try again.".into(),
        (P::AltMissing, Lang::Pt) => "Escreva o texto alternativo: ele descreve a foto para quem não pode vê-la.".into(),
        (P::AltMissing, Lang::Es) => "Escribe el texto alternativo: describe la foto para quien no puede verla.".into(),
        (P::AltMissing, Lang::En) => "Write the alt text: it describes the picture for people who cannot see it.".into(),
        (P::AltTooLong { max }, Lang::Pt) => format!("O texto alternativo deve ter no máximo {max} caracteres."),
        (P::AltTooLong { max }, Lang::Es) => format!("El texto alternativo debe tener como máximo {max} caracteres."),
        (P::AltTooLong { max }, Lang::En) => format!("The alt text must have at most {max} characters."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_mib() {
        assert_eq!(mib(5 << 20), "5 MiB");
        assert_eq!(mib(3 << 19), "1.5 MiB");
    }

    #[test]
    fn every_language_says_the_limit() {
        for lang in [Lang::Pt, Lang::Es, Lang::En] {
            let text = picture_problem(lang, &PictureProblem::TooLarge { max_bytes: 5 << 20 });
            assert!(text.contains("5 MiB"), "{text}");
            assert!(picture_texts(lang).formats(5 << 20).contains("5 MiB"));
        }
    }
}
