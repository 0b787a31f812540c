// The demo's personas: one token each, printed by `trustplane demo` and walked through in the README tour.
export const demoPersonas = [
  { principal: 'person:carol', scope: 'full', who: 'Carol Diaz, security lead: administrator; accountable for revoking internal-mtls' },
  { principal: 'person:dave', scope: 'full', who: 'Dave Kim, platform lead: accountable for issuing and rotating internal-mtls; granted Globex its delegations' },
  { principal: 'person:ivan', scope: 'full', who: 'Ivan Petrov, platform engineer: executes changes on internal-mtls' },
  { principal: 'person:erin', scope: 'full', who: 'Erin Walsh, security engineer: verifies changes; responds to key compromise' },
  { principal: 'person:gina', scope: 'full', who: 'Gina Ortiz, Globex (partner): rotates internal-mtls inside her change window' },
  { principal: 'person:frank', scope: 'read-only', who: 'Frank Osei, payments lead: business owner of payments-api-keys (read-only token)' },
] as const;
