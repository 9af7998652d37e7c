//! Product pictures: uploaded in the back office, judged by content, stored in the database,
//! served by content hash with long-lived caching, shown with `srcset` to shoppers.

use sha2::{Digest, Sha256};

use common::{attr, browser, spawn_with_admin, Options, TestApp};

const BOUNDARY: &str = "----picture-test-boundary";

/// A JPEG `width` × `height` with an EXIF block (APP1) that names a secret place.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 199) as u8])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 80)
        .encode_image(&img)
        .unwrap();
    // Exif header, a big-endian TIFF header with no entries, and a marker to look for.
    let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0".to_vec();
    payload.extend_from_slice(b"GPS-SECRET-PLACE");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(&payload);
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The upload form as a browser sends it: `fields`, then the file (when given).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The first product of the storefront (the site's), and the back office's CSRF token.
async fn product_and_token(app: &TestApp, admin: &reqwest::Client) -> (i64, String) {
    let product = app.product_ids().await[0];
    let page = common::html_of(admin, app.url(&format!("/admin/products/{product}"))).await;
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").unwrap();
    (product, csrf)
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    product: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/admin/products/{product}/picture")))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(fields, file))
        .send()
        .await
        .unwrap()
}

async fn stored(app: &TestApp) -> (i64, i64) {
    (
        app.count("select count(*) from product_pictures").await,
        app.count("select count(*) from product_picture_variants")
            .await,
    )
}

/// The `srcset` of the storefront's first picture, split into (path, width).
fn srcset_of(html: &str) -> Vec<(String, u32)> {
    let set = attr(html, "srcset=\"").expect("a picture with srcset");
    set.split(", ")
        .map(|item| {
            let (path, w) = item.split_once(' ').unwrap();
            (path.to_string(), w.trim_end_matches('w').parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn an_uploaded_picture_is_served_for_good_and_shown_with_srcset() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let res = upload(
        &app,
        &admin,
        product,
        &[
            ("csrf_token", &csrf),
            ("alt", "A bag of dark roasted beans"),
        ],
        Some(("beans.jpg", "image/jpeg", &jpeg_with_exif(1400, 700))),
    )
    .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        res.headers()["location"],
        format!("/admin/products/{product}")
    );

    // The storefront: every width up to the original's, never larger. The pictures are the
    // store's own, which its Content-Security-Policy allows.
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("img-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("alt=\"A bag of dark roasted beans\""),
        "{html}"
    );
    assert!(html.contains("sizes=\""), "{html}");
    let set = srcset_of(&html);
    assert_eq!(
        set.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        vec![320, 640, 1280]
    );
    for (path, width) in &set {
        let res = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let hash = path.trim_start_matches("/pictures/");
        assert_eq!(headers["etag"], format!("\"{hash}\""));
        let bytes = res.bytes().await.unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            hash,
            "named by content"
        );
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (*width, width / 2));
        // A browser that has it is told so.
        let res = browser()
            .get(app.url(path))
            .header("If-None-Match", format!("\"{hash}\""))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304);
    }
    assert_eq!(
        browser()
            .get(app.url(&format!("/pictures/{}", "0".repeat(64))))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The cart and the checkout's summary show it too, with the merchant's words.
    app.add_to_cart(product, 1).await;
    let cart = app.get_html("/cart").await;
    assert!(
        cart.contains("alt=\"A bag of dark roasted beans\""),
        "{cart}"
    );
    assert!(cart.contains(&set[0].0), "{cart}");
    let checkout = app.open_checkout().await;
    assert!(
        checkout
            .html
            .contains("alt=\"A bag of dark roasted beans\""),
        "{}",
        checkout.html
    );
    // The e-mail helper's absolute URL points at a width that is served.
    let (url, alt) = checkout::db::pictures::picture_url(
        &app.pool,
        &url::Url::parse("https://shop.example/").unwrap(),
        product,
        600,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(url.as_str(), format!("https://shop.example{}", set[1].0));
    assert_eq!(alt, "A bag of dark roasted beans");
}

#[tokio::test]
async fn exif_and_other_metadata_are_not_served() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let original = jpeg_with_exif(500, 300);
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&original, b"Exif\0\0") && contains(&original, b"GPS-SECRET-PLACE"));
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "A mug")],
        Some(("mug.jpg", "image/jpeg", &original)),
    )
    .await;
    assert_eq!(res.status(), 303);
    let set = srcset_of(&app.get_html("/").await);
    // 500 pixels wide: 320 and nothing larger than the original.
    assert_eq!(set.len(), 1);
    let served = browser()
        .get(app.url(&set[0].0))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(image::load_from_memory(&served).is_ok());
    assert!(!contains(&served, b"Exif"), "EXIF was served");
    assert!(!contains(&served, b"GPS-SECRET-PLACE"));
}

#[tokio::test]
async fn a_file_that_is_not_a_picture_is_refused_whatever_its_name() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    for (name, bytes) in [
        ("notes.png", b"just some text, saved as a picture".to_vec()),
        ("broken.png", {
            let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
            b.extend_from_slice(&[7; 500]);
            b
        }),
        ("anim.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()),
    ] {
        let res = upload(
            &app,
            &admin,
            product,
            &[("csrf_token", &csrf), ("alt", "Something")],
            Some((name, "image/png", &bytes)),
        )
        .await;
        assert_eq!(res.status(), 400, "{name}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("não é uma foto JPEG, PNG ou WebP"),
            "{name}: {page}"
        );
        assert_eq!(stored(&app).await, (0, 0), "{name}");
    }
}

#[tokio::test]
async fn ten_mebibytes_are_refused_and_change_nothing() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    // A real picture first: the refused upload must leave it as it was.
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "Before")],
        Some(("a.jpg", "image/jpeg", &jpeg_with_exif(400, 200))),
    )
    .await;
    assert_eq!(res.status(), 303);
    let before = app
        .text("select string_agg(hash, ',' order by width) from product_picture_variants")
        .await;
    let mut big = jpeg_with_exif(64, 64);
    big.resize(10 * 1024 * 1024, 0);
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "After")],
        Some(("big.jpg", "image/jpeg", &big)),
    )
    .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("grande demais: o máximo é 5 MiB"), "{page}");
    assert_eq!(
        app.text("select string_agg(hash, ',' order by width) from product_picture_variants")
            .await,
        before
    );
    assert_eq!(app.text("select alt from product_pictures").await, "Before");
}

#[tokio::test]
async fn the_limit_is_a_setting() {
    let app = spawn_with_admin(Options::default().env("PICTURE_MAX_BYTES", "65536")).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let mut big = jpeg_with_exif(64, 64);
    big.resize(70_000, 0);
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "x")],
        Some(("big.jpg", "image/jpeg", &big)),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("o máximo é 0.1 MiB"));
    assert_eq!(stored(&app).await, (0, 0));
}

#[tokio::test]
async fn a_picture_needs_its_alt_text() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let picture = jpeg_with_exif(400, 200);
    for fields in [
        vec![("csrf_token", csrf.as_str()), ("alt", "   ")],
        vec![("csrf_token", csrf.as_str())],
    ] {
        let res = upload(
            &app,
            &admin,
            product,
            &fields,
            Some(("a.jpg", "image/jpeg", &picture)),
        )
        .await;
        assert_eq!(res.status(), 400);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Escreva o texto alternativo"));
    }
    assert_eq!(stored(&app).await, (0, 0));
    // No file for a product without a picture: say so.
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "A mug")],
        Some(("", "application/octet-stream", b"")),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Escolha um arquivo"));
}

#[tokio::test]
async fn uploads_need_a_signed_in_merchant_and_the_forms_token() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let picture = jpeg_with_exif(400, 200);
    let file = Some(("a.jpg", "image/jpeg", picture.as_slice()));
    let res = upload(
        &app,
        &browser(),
        product,
        &[("csrf_token", &csrf), ("alt", "A mug")],
        file,
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/login");
    for fields in [
        vec![("csrf_token", "forged"), ("alt", "A mug")],
        vec![("alt", "A mug")],
    ] {
        let res = upload(&app, &admin, product, &fields, file).await;
        assert_eq!(res.status(), 403);
    }
    assert_eq!(stored(&app).await, (0, 0));
    // And with the token, it is saved.
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "A mug")],
        file,
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app).await, (1, 1));
}

#[tokio::test]
async fn a_new_picture_replaces_the_old_one_and_the_alt_text_can_change_alone() {
    let app = spawn_with_admin(Options::default()).await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let first = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "First")],
        Some(("a.jpg", "image/jpeg", &jpeg_with_exif(700, 350))),
    )
    .await;
    assert_eq!(first.status(), 303);
    let old = srcset_of(&app.get_html("/").await);
    assert_eq!(old.len(), 2);

    // Only the words: the same bytes, the same URLs.
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "A mug, from above")],
        Some(("", "application/octet-stream", b"")),
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = app.get_html("/").await;
    assert!(html.contains("alt=\"A mug, from above\""), "{html}");
    assert_eq!(srcset_of(&html), old);
    let form = common::html_of(&admin, app.url(&format!("/admin/products/{product}"))).await;
    assert!(form.contains("id=\"current-picture\""), "{form}");
    assert!(form.contains("value=\"A mug, from above\""), "{form}");

    // A new picture: new names; the old ones are gone.
    let res = upload(
        &app,
        &admin,
        product,
        &[("csrf_token", &csrf), ("alt", "Second")],
        Some(("b.png", "image/png", &{
            let img = image::RgbaImage::from_pixel(300, 300, image::Rgba([10, 20, 30, 128]));
            let mut png = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .unwrap();
            png
        })),
    )
    .await;
    assert_eq!(res.status(), 303);
    let new = srcset_of(&app.get_html("/").await);
    assert_eq!(new.len(), 1, "300 pixels wide: served as it is");
    assert_eq!(new[0].1, 300);
    let res = browser().get(app.url(&new[0].0)).send().await.unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "image/png",
        "transparency kept"
    );
    for (path, _) in old {
        let res = browser().get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

/// The confirmation e-mail shows what was bought with its picture and alt text, linked by
/// an absolute URL (a mail client has no page to resolve a relative one against).
#[tokio::test]
async fn the_confirmation_email_shows_the_products_picture() {
    let buyer = common::unique("pictures");
    let app = spawn_with_admin(
        Options::default()
            .sandbox()
            .env("SMTP_URL", common::smtp_url()),
    )
    .await;
    let admin = app.admin().await;
    let (product, csrf) = product_and_token(&app, &admin).await;
    let res = upload(
        &app,
        &admin,
        product,
        &[
            ("csrf_token", &csrf),
            ("alt", "A bag of dark roasted beans"),
        ],
        Some(("beans.jpg", "image/jpeg", &jpeg_with_exif(800, 400))),
    )
    .await;
    assert_eq!(res.status(), 303);
    app.add_to_cart(product, 1).await;
    let checkout = app.open_checkout().await;
    let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
    card["formData"]["payer"]["email"] = buyer.clone().into();
    assert_eq!(app.pay(&checkout.csrf, &card).await.status(), 200);

    app.mailer.pass().await.unwrap();
    let mail = &common::wait_for_mail(&buyer, 1).await[0];
    let img = mail
        .split("<img ")
        .nth(1)
        .unwrap_or_else(|| panic!("no picture in {mail}"));
    assert!(
        img.starts_with(&format!("src=\"{}/pictures/", app.address)),
        "{img}"
    );
    assert!(img.contains("alt=\"A bag of dark roasted beans\""), "{img}");
}
