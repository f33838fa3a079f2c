/**
 * The nonce of the policy this page was loaded under, for a <style> element a library adds at run
 * time (TipTap's). Read from the page, not passed from the server render: after a client-side
 * navigation the server renders with a fresh nonce, but the document keeps the policy it was loaded
 * with. Next puts the nonce on its own scripts; browsers hide the attribute but keep the property.
 */
export function pageNonce(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const script = document.querySelector<HTMLScriptElement>('script[nonce]');
  return script?.nonce || undefined;
}
