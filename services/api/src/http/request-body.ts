/**
 * Request bodies: read up to the limit (413 beyond), then decode by Content-Type into what the handler takes
 * as `ApiRequest.body`:
 *
 * - create/update/delete: JSON, YAML or (with a decoder) Kubernetes protobuf → a JSON value;
 * - patch: JSON patch, merge patch and strategic merge patch → the parsed JSON value; server-side apply
 *   (`application/apply-patch+yaml`) → the raw text, which the pipeline parses as YAML.
 *
 * Failures are Status values (400 malformed, 413 too large, 415 unsupported), never exceptions.
 */
import { parse as parseYaml } from 'yaml';
import { type PatchType, bodyFormatOf, patchTypeOf } from './media.js';
import { type HttpStatus, OBJECT_MEDIA_TYPES, PATCH_MEDIA_TYPES, httpErrors } from './status.js';

/** Decodes an `application/vnd.kubernetes.protobuf` body into JSON, throwing on failure. */
export type ProtobufDecoder = (body: Uint8Array) => unknown;

export type BodyResult =
  | { readonly ok: true; readonly body: unknown; readonly patchType?: PatchType }
  | { readonly ok: false; readonly status: HttpStatus };

/** Reads the raw body, stopping at `limitBytes` + 1 (a 413). Undefined body → empty. */
export async function readBodyLimited(
  req: Request,
  limitBytes: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; status: HttpStatus }> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return { ok: false, status: httpErrors.entityTooLarge(limitBytes) };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limitBytes) {
      await reader.cancel();
      return { ok: false, status: httpErrors.entityTooLarge(limitBytes) };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const NOT_UTF8 = () => httpErrors.badRequest('the request body is not valid UTF-8');

/** JSON text → value, or a 400 carrying the parser's message (as apiserver's decoder reports it). */
function parseJson(text: string, what: string): BodyResult {
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: httpErrors.badRequest(`${what}: ${(err as Error).message}`) };
  }
}

/**
 * Decodes a create/update/delete/subresource body. `required` bodies (create, update) may not be empty;
 * DELETE's DeleteOptions may.
 */
export function decodeObjectBody(
  bytes: Uint8Array,
  contentType: string | null,
  o: { required: boolean; decodeProtobuf?: ProtobufDecoder | undefined },
): BodyResult {
  if (bytes.length === 0) {
    return o.required
      ? { ok: false, status: httpErrors.badRequest('the body of the request was empty') }
      : { ok: true, body: undefined };
  }
  const format = bodyFormatOf(contentType);
  if (format === 'protobuf') return decodeProtobufBody(bytes, o.decodeProtobuf);
  if (typeof format === 'object') {
    return {
      ok: false,
      status: httpErrors.unsupportedMediaType(OBJECT_MEDIA_TYPES),
    };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) return { ok: false, status: NOT_UTF8() };
  const parsed =
    format === 'yaml' ? parseYamlBody(text) : parseJson(text, "couldn't get version/kind; json parse error");
  if (!parsed.ok) return parsed;
  if (parsed.body === null || typeof parsed.body !== 'object' || Array.isArray(parsed.body)) {
    const got = Array.isArray(parsed.body) ? 'array' : parsed.body === null ? 'null' : typeof parsed.body;
    return {
      ok: false,
      status: httpErrors.badRequest(`the request body must be an object, got ${got}`),
    };
  }
  return parsed;
}

function parseYamlBody(text: string): BodyResult {
  try {
    return { ok: true, body: parseYaml(text) as unknown };
  } catch (err) {
    return {
      ok: false,
      status: httpErrors.badRequest(`error converting YAML to JSON: ${(err as Error).message}`),
    };
  }
}

function decodeProtobufBody(bytes: Uint8Array, decode: ProtobufDecoder | undefined): BodyResult {
  if (!decode) {
    return {
      ok: false,
      status: httpErrors.unsupportedMediaTypeMessage(
        'kubelab does not decode application/vnd.kubernetes.protobuf request bodies; send JSON ' +
          '(for kubectl: `kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`)',
      ),
    };
  }
  try {
    return { ok: true, body: decode(bytes) };
  } catch (err) {
    const e = err as { toStatus?: () => HttpStatus; message?: string };
    if (typeof e.toStatus === 'function') return { ok: false, status: e.toStatus() };
    return { ok: false, status: httpErrors.badRequest(`protobuf decode error: ${e.message ?? String(err)}`) };
  }
}

/** Decodes a PATCH body by its Content-Type (415 for anything but the four patch types). */
export function decodePatchBody(bytes: Uint8Array, contentType: string | null): BodyResult {
  const patchType = patchTypeOf(contentType);
  if (patchType === undefined) {
    return {
      ok: false,
      status: httpErrors.unsupportedMediaType(PATCH_MEDIA_TYPES),
    };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) return { ok: false, status: NOT_UTF8() };
  if (patchType === 'application/apply-patch+yaml') return { ok: true, body: text, patchType };
  if (text.trim() === '')
    return { ok: false, status: httpErrors.badRequest('the body of the request was empty') };
  const parsed = parseJson(text, 'error decoding patch');
  return parsed.ok ? { ok: true, body: parsed.body, patchType } : parsed;
}
