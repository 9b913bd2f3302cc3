// Calls to the hub's JSON API; failures become `ApiProblem`s (RFC 9457 bodies when given).

export class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status; // 0: the request never got an answer
    this.body = body;
    this.code = body?.code ?? null;
  }
}

/** GET `url` as JSON; throws ApiProblem for an error status or no answer. */
export async function getJson(url, { signal } = {}) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiProblem(0, null);
  }
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiProblem(response.status, body);
  return body;
}

/** The plan API's URL for a search (`params` holds from, to, depart or arrive, modes...). */
export function planUrl(apiBase, params) {
  const url = new URL(`${apiBase}/plan`, document.baseURI);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) {
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
  }
  return url.href;
}

/** A sentence for the user about a failed call. */
export function describeProblem(t, error) {
  if (error instanceof ApiProblem && error.status === 0) return t('network_error');
  const invalid = error?.body?.invalid_params?.[0];
  const detail = invalid ? `${invalid.name}: ${invalid.reason}` : error.message;
  return t('error', { detail });
}
