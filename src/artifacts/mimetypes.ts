/**
 * The MIME type and encoding Optuna's upload_artifact records when the caller gives none: Python's
 * `mimetypes.guess_type(filename)` (strict), reproduced so that a tunelab upload and an Optuna upload
 * of the same file carry the same metadata (optuna-dashboard picks its viewer from the MIME type).
 *
 * Python starts from a built-in table and then reads the system's mime.types files (on Debian,
 * /etc/mime.types), which add and override entries; so does this module. Suffixes such as `.tgz`
 * are first expanded (`.tar.gz`), then a compression suffix (`.gz`, `.bz2`, `.xz`, `.br`, `.Z`;
 * case-sensitive, as in Python) gives the encoding and the suffix before it the type.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

/** Python's suffix_map. */
const SUFFIX_MAP: Record<string, string> = {
  '.svgz': '.svg.gz',
  '.tgz': '.tar.gz',
  '.taz': '.tar.gz',
  '.tz': '.tar.gz',
  '.tbz2': '.tar.bz2',
  '.txz': '.tar.xz',
};

/** Python's encodings_map (case-sensitive). */
const ENCODINGS_MAP: Record<string, string> = { '.gz': 'gzip', '.Z': 'compress', '.bz2': 'bzip2', '.xz': 'xz', '.br': 'br' };

/** The common part of Python 3.11's built-in strict table (the system files add and override). */
const BUILTIN_TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.mjs': 'application/javascript',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.bin': 'application/octet-stream',
  '.pdf': 'application/pdf',
  '.ps': 'application/postscript',
  '.wasm': 'application/wasm',
  '.h5': 'application/x-hdf5',
  '.nc': 'application/x-netcdf',
  '.pyc': 'application/x-python-code',
  '.sh': 'application/x-sh',
  '.tar': 'application/x-tar',
  '.tex': 'application/x-tex',
  '.xls': 'application/vnd.ms-excel',
  '.zip': 'application/zip',
  '.mp3': 'audio/mpeg',
  '.opus': 'audio/opus',
  '.wav': 'audio/x-wav',
  '.avif': 'image/avif',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.txt': 'text/plain',
  '.tsv': 'text/tab-separated-values',
  '.py': 'text/x-python',
  '.xml': 'text/xml',
  '.mp4': 'video/mp4',
  '.mpeg': 'video/mpeg',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
};

/** Python's mimetypes.knownfiles, read in this order (later files override earlier ones). */
const KNOWN_FILES = [
  '/etc/mime.types',
  '/etc/httpd/mime.types',
  '/etc/httpd/conf/mime.types',
  '/etc/apache/mime.types',
  '/etc/apache2/mime.types',
  '/usr/local/etc/httpd/conf/mime.types',
  '/usr/local/lib/netscape/mime.types',
  '/usr/local/etc/mime.types',
];

let table: Map<string, string> | null = null;

function typesMap(): Map<string, string> {
  if (table) return table;
  const map = new Map(Object.entries(BUILTIN_TYPES));
  for (const file of KNOWN_FILES) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      const words = raw.split('#')[0].trim().split(/\s+/).filter(Boolean);
      if (words.length < 2) continue;
      for (const ext of words.slice(1)) map.set(`.${ext}`, words[0]);
    }
  }
  return (table = map);
}

/** os.path.splitext: the last dot that is not at the start of the name (leading dots do not count). */
function splitext(path: string): [string, string] {
  const ext = posix.extname(path);
  return [path.slice(0, path.length - ext.length), ext];
}

/** `mimetypes.guess_type(filename)`: [type or null, encoding or null]. */
export function guessMimeType(filename: string): [string | null, string | null] {
  let [base, ext] = splitext(filename);
  while (Object.hasOwn(SUFFIX_MAP, ext.toLowerCase())) [base, ext] = splitext(base + SUFFIX_MAP[ext.toLowerCase()]);
  let encoding: string | null = null;
  if (Object.hasOwn(ENCODINGS_MAP, ext)) {
    encoding = ENCODINGS_MAP[ext];
    ext = splitext(base)[1];
  }
  return [typesMap().get(ext.toLowerCase()) ?? null, encoding];
}
