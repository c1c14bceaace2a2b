/**
 * Calls to the service's API from the page. With API keys on, a 401 (or a 403: not an operator
 * key) opens the key dialog; the key is kept in this tab's session storage and sent as
 * `Authorization: Bearer`, never in a URL.
 */

const KEY_STORAGE = 'energy.operatorKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  keyChanged();
}

let keyListener: () => void = () => {};
export function onKeyChange(listener: () => void): void {
  keyListener = listener;
}
function keyChanged(): void {
  keyListener();
}

let pendingKey: Promise<string> | null = null;

/** One dialog for every request that was refused at the same time. */
function askForKey(reason: string): Promise<string> {
  pendingKey ??= new Promise<string>((resolve) => {
    const dialog = document.getElementById('key-dialog') as HTMLDialogElement;
    const form = document.getElementById('key-form') as HTMLFormElement;
    const input = document.getElementById('key-input') as HTMLInputElement;
    document.getElementById('key-reason')!.textContent = reason;
    input.value = '';
    const submitted = (event: SubmitEvent): void => {
      event.preventDefault();
      const key = input.value.trim();
      if (key === '') return;
      form.removeEventListener('submit', submitted);
      dialog.close();
      pendingKey = null;
      resolve(key);
    };
    form.addEventListener('submit', submitted);
    dialog.showModal();
    input.focus();
  });
  return pendingKey;
}

export type Format = 'json' | 'csv';

/** GET an API path (with its query) as JSON or CSV, asking for a key as long as the API refuses it. */
export async function get(path: string, format: Format = 'json'): Promise<Response> {
  for (;;) {
    const key = storedKey();
    const headers: Record<string, string> = { accept: format === 'csv' ? 'text/csv' : 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const response = await fetch(path, { headers });
    if (response.status === 401 || response.status === 403) {
      const reason =
        response.status === 403
          ? 'This key is not an operator key: enter an operator key.'
          : key === null
            ? 'This service needs an operator API key.'
            : 'That key was refused: enter a valid operator key.';
      sessionStorage.setItem(KEY_STORAGE, await askForKey(reason));
      keyChanged();
      continue;
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        const body = (await response.json()) as { message?: string; details?: Array<{ errors: string[] }> };
        message = body.details?.flatMap((detail) => detail.errors).join('; ') || body.message || message;
      } catch {
        // not the JSON error shape: keep the status line
      }
      throw new ApiError(response.status, message);
    }
    return response;
  }
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await get(path)).json()) as T;
}

/** Fetches the CSV with the key header and saves it under the server's file name. */
export async function downloadCsv(path: string): Promise<void> {
  const response = await get(path, 'csv');
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'export.csv';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A query string from the defined values only. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
