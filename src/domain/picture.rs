//! A product picture as the merchant uploads it: recognised by its content (never by its name
//! or declared type), decoded within limits, resized to a few widths (never up) and
//! re-encoded, which leaves EXIF and every other piece of metadata behind.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The widths a picture is served at; a narrower original is kept at its own width.
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
/// Larger sides are refused before decoding: a small file can claim a huge canvas.
const MAX_SIDE: u32 = 8_000;
/// At most this many pixels: a full-size copy is made to turn the picture upright and the
/// resizer holds another, so the canvas, not only the decoder, must stay within bounds.
const MAX_PIXELS: u64 = 40_000_000;
/// What decoding may allocate at most (an 8000 × 8000 RGBA canvas is 256 MB).
const MAX_ALLOC: u64 = 300 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// Why an upload is not a picture the store can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureProblem {
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    #[error("the file is not a JPEG, PNG or WebP picture")]
    NotAPicture,
    #[error("the picture is larger than {MAX_SIDE} pixels on a side")]
    TooManyPixels,
    #[error("no file was chosen")]
    NoFile,
    /// The form did not arrive whole, or is not the upload form.
    #[error("the form could not be read")]
    Unreadable,
    #[error("the alt text is missing")]
    AltMissing,
    #[error("the alt text is longer than {max} characters")]
    AltTooLong { max: usize },
}

impl PictureProblem {
    pub const MAX_SIDE: u32 = MAX_SIDE;
}

/// One re-encoded width of a picture.
#[derive(Debug, Clone)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    /// SHA-256 of `bytes`, hex: the name it is served under.
    pub hash: String,
    pub bytes: Vec<u8>,
}

/// The merchant's description of a picture, for people who cannot see it: 1 to 250
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltText(String);

impl AltText {
    pub const MAX: usize = 250;

    pub fn parse(text: &str) -> Result<Self, PictureProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PictureProblem::AltMissing);
        }
        if text.chars().count() > Self::MAX {
            return Err(PictureProblem::AltTooLong { max: Self::MAX });
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Decodes an upload by its content (JPEG, PNG or WebP), turns it upright as its EXIF says,
/// and re-encodes it at each of [`WIDTHS`] up to its own width: JPEG, or PNG when it has
/// transparency. CPU work: call it off the async workers.
pub fn process(upload: &[u8], max_bytes: usize) -> Result<Vec<Variant>, PictureProblem> {
    if upload.is_empty() {
        return Err(PictureProblem::NoFile);
    }
    if upload.len() > max_bytes {
        return Err(PictureProblem::TooLarge { max_bytes });
    }
    let reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| PictureProblem::NotAPicture)?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(PictureProblem::NotAPicture);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_problem)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PictureProblem::TooManyPixels);
    }
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(decode_problem)?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    let (width, height) = (picture.width(), picture.height());
    if width == 0 || height == 0 {
        return Err(PictureProblem::NotAPicture);
    }
    let transparent = picture.color().has_alpha();
    widths(width)
        .into_iter()
        .map(|w| {
            // Integer arithmetic, rounded to the nearest pixel, at least one.
            let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .max(1) as u32;
            let resized = if w == width {
                picture.clone()
            } else {
                picture.resize_exact(w, h, image::imageops::FilterType::Triangle)
            };
            encode(resized, transparent)
        })
        .collect()
}

/// The widths of [`WIDTHS`] an original `width` wide is served at: never upscaled.
pub fn widths(width: u32) -> Vec<u32> {
    let mut out: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w <= width).collect();
    if out.is_empty() {
        out.push(width);
    }
    out
}

fn decode_problem(e: image::ImageError) -> PictureProblem {
    match e {
        image::ImageError::Limits(_) => PictureProblem::TooManyPixels,
        _ => PictureProblem::NotAPicture,
    }
}

fn encode(picture: DynamicImage, transparent: bool) -> Result<Variant, PictureProblem> {
    let (width, height) = (picture.width(), picture.height());
    let mut bytes = Vec::new();
    let content_type = if transparent {
        DynamicImage::ImageRgba8(picture.to_rgba8())
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|_| PictureProblem::NotAPicture)?;
        "image/png"
    } else {
        let rgb = picture.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(&rgb)
            .map_err(|_| PictureProblem::NotAPicture)?;
        "image/jpeg"
    };
    Ok(Variant {
        width,
        height,
        content_type,
        hash: hex::encode(Sha256::digest(&bytes)),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .encode_image(&img)
            .unwrap();
        out
    }

    /// A small file whose header claims 7000 × 7000 (49 megapixels, each side allowed):
    /// refused before a pixel is decoded.
    #[test]
    fn a_canvas_of_too_many_pixels_is_refused_before_decoding() {
        let mut png = Vec::new();
        DynamicImage::new_luma8(10, 10)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        png[16..20].copy_from_slice(&7000u32.to_be_bytes());
        png[20..24].copy_from_slice(&7000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            process(&png, 5 << 20).unwrap_err(),
            PictureProblem::TooManyPixels
        );
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn never_upscales() {
        assert_eq!(widths(2000), vec![320, 640, 1280]);
        assert_eq!(widths(700), vec![320, 640]);
        assert_eq!(widths(200), vec![200]);
    }

    #[test]
    fn resizes_keeping_the_aspect_ratio() {
        let variants = process(&jpeg(700, 350), 5 << 20).unwrap();
        let sizes: Vec<_> = variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, vec![(320, 160), (640, 320)]);
        assert!(variants.iter().all(|v| v.content_type == "image/jpeg"));
    }

    #[test]
    fn refuses_what_is_not_a_picture() {
        assert_eq!(
            process(b"just some text, named photo.png", 5 << 20).unwrap_err(),
            PictureProblem::NotAPicture
        );
        // A PNG signature followed by garbage: recognised, but does not decode.
        let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
        fake.extend_from_slice(&[7; 64]);
        assert_eq!(
            process(&fake, 5 << 20).unwrap_err(),
            PictureProblem::NotAPicture
        );
        // GIF is a picture, but not one of ours.
        assert_eq!(
            process(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 5 << 20).unwrap_err(),
            PictureProblem::NotAPicture
        );
    }

    #[test]
    fn webp_and_png_are_read_and_transparency_is_kept() {
        let img = image::RgbaImage::from_pixel(400, 200, image::Rgba([200, 10, 10, 100]));
        for format in [ImageFormat::WebP, ImageFormat::Png] {
            let mut file = Vec::new();
            img.write_to(&mut Cursor::new(&mut file), format).unwrap();
            let variants = process(&file, 5 << 20).unwrap();
            assert_eq!(variants.len(), 1, "{format:?}");
            assert_eq!(variants[0].content_type, "image/png", "{format:?}");
            assert_eq!((variants[0].width, variants[0].height), (320, 160));
        }
    }

    #[test]
    fn refuses_a_file_over_the_limit() {
        let file = jpeg(64, 64);
        assert_eq!(
            process(&file, file.len() - 1).unwrap_err(),
            PictureProblem::TooLarge {
                max_bytes: file.len() - 1
            }
        );
    }

    #[test]
    fn alt_text_is_required_and_bounded() {
        assert_eq!(
            AltText::parse("  ").unwrap_err(),
            PictureProblem::AltMissing
        );
        assert!(AltText::parse(&"a".repeat(251)).is_err());
        assert_eq!(AltText::parse(" A red mug ").unwrap().as_str(), "A red mug");
    }
}
