/**
 * The enrolment link and its QR code. An enrolment code travels as a link to the site's companion
 * page, `https://<site>/app/authenticator/#enrol=<code>`: a phone's camera opens it in the browser
 * with the code filled in; the companion page's own scanner and `serums authenticator enrol` read
 * it too (as well as the bare code and the older `serums-authenticator://enrol?…` form). The code
 * is in the fragment, which browsers never send to a server, so it stays out of access logs.
 *
 * QR codes come from `uqr` (MIT, no dependencies): an SVG for pages (error correction M, the
 * standard four-module quiet zone) and Unicode half blocks for terminals.
 */
import { encode, type QrCodeGenerateOptions, renderSVG, renderUnicodeCompact } from "uqr";
import { SerumsError } from "../../errors/index.ts";

/** Where the companion page is served, under the site's public origin. */
export const COMPANION_PAGE_PATH = "/app/authenticator/";

/** The SVG's QR options: medium error correction, a four-module quiet zone (ISO/IEC 18004). */
export const SVG_QR_OPTIONS = { ecc: "M", border: 4 } as const satisfies QrCodeGenerateOptions;
/** The terminal's: the same code with a two-module margin (the terminal's own edge adds more). */
export const TERMINAL_QR_OPTIONS = { ecc: "M", border: 2 } as const satisfies QrCodeGenerateOptions;

/** The companion page's link that carries `code` in its fragment, for a site at `server`. */
export function enrolmentLink(server: string, code: string): string {
  const base = new URL(COMPANION_PAGE_PATH, server);
  base.hash = new URLSearchParams({ enrol: code }).toString();
  return base.href;
}

/**
 * What a user pasted, scanned or typed: the companion page's link (`…#enrol=CODE`, whose origin is
 * the server), a `serums-authenticator://enrol?server=…&code=…` link, or a bare code (server
 * undefined: the caller must know it). BAD_USAGE when a link carries no code.
 */
export function parseEnrolmentText(text: string): { code: string; server: string | undefined } {
  const trimmed = text.trim();
  if (trimmed.startsWith("serums-authenticator:")) {
    const params = new URLSearchParams(trimmed.slice(trimmed.indexOf("?") + 1));
    const code = params.get("code");
    if (!code) throw new SerumsError("BAD_USAGE", "the enrolment link has no code", { value: trimmed });
    return { code, server: params.get("server") ?? undefined };
  }
  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch (error) {
      throw new SerumsError(
        "BAD_USAGE",
        "the enrolment link is not a valid URL",
        { value: trimmed.slice(0, 200) },
        { cause: error },
      );
    }
    const code = new URLSearchParams(url.hash.slice(1)).get("enrol");
    if (!code) {
      throw new SerumsError(
        "BAD_USAGE",
        `the link has no enrolment code; expected ${COMPANION_PAGE_PATH}#enrol=CODE`,
        { value: trimmed.slice(0, 200) },
      );
    }
    return { code, server: url.origin };
  }
  return { code: trimmed, server: undefined };
}

/** The QR code of `link` as an SVG document (black modules as one path; no script, no links). */
export function qrSvg(link: string): string {
  return renderSVG(link, { ...SVG_QR_OPTIONS, pixelSize: 4 });
}

/** The QR code of `link` for a terminal, two module rows per text line (light modules drawn). */
export function qrTerminal(link: string): string {
  return renderUnicodeCompact(link, TERMINAL_QR_OPTIONS);
}

/** The QR code's modules (true = dark), quiet zone included, as the SVG draws them. */
export function qrModules(link: string, options: QrCodeGenerateOptions = SVG_QR_OPTIONS): boolean[][] {
  return encode(link, options).data;
}
