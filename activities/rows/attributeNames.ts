import { ATTRIBUTE_NAME_PATTERN } from '../../common/mapping';

export type IdentityAttribute = 'user_id' | 'device_id';

/** Preferred first: a header with both sends user_id as the identity and device_id as an attribute. */
export const IDENTITY_ATTRIBUTES: readonly IdentityAttribute[] = ['user_id', 'device_id'];

/** An attribute that requires another in the same row (documented API rule). */
export const SUBSCRIPTION_OF: ReadonlyMap<string, string> = new Map([
  ['email', 'email_subscription'],
  ['mobile_number', 'sms_subscription'],
]);

export function isIdentityAttribute(name: string): name is IdentityAttribute {
  return name === 'user_id' || name === 'device_id';
}

export function isSubscriptionAttribute(name: string): boolean {
  return name === 'email_subscription' || name === 'sms_subscription';
}

/**
 * The attributes the Xtremepush documentation names (identities, channels and their consent,
 * profile fields). A header cell holding one of these is a column name, not personal data, so
 * messages that reach Temporal may quote it.
 */
const KNOWN_ATTRIBUTES: ReadonlySet<string> = new Set([
  'user_id',
  'device_id',
  'email',
  'email_subscription',
  'mobile_number',
  'sms_subscription',
  'first_name',
  'last_name',
  'language',
  'timezone',
  'country',
  'region',
]);

export function isKnownAttribute(name: string): boolean {
  return KNOWN_ATTRIBUTES.has(name);
}

/**
 * `__proto__` fits the pattern, but as a key it sets an object's prototype instead of holding a
 * value, here and in whatever parses the request: the sandbox refuses it (400), as an API
 * written in JavaScript may. Refused before anything is sent.
 */
export function isValidAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME_PATTERN.test(name) && name !== '__proto__';
}

/** Column names seen in CRM exports, squashed (lowercase, letters and digits only), → attribute. */
const WELL_KNOWN_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    user_id: ['userid', 'customerid', 'customerno', 'customernumber', 'clientid', 'contactid', 'memberid', 'accountid', 'externalid', 'crmid', 'uid', 'id'],
    device_id: ['deviceid'],
    email: ['email', 'emailaddress', 'emailaddr', 'mail', 'mailaddress'],
    email_subscription: ['optin', 'emailoptin', 'emailconsent', 'emailsubscription', 'emailsubscribed', 'subscribed', 'newsletter', 'marketingconsent', 'emailmarketing', 'emailok', 'emailallowed', 'emailpermission'],
    sms_subscription: ['smsoptin', 'smsconsent', 'smssubscription', 'smssubscribed', 'smsmarketing', 'textoptin', 'smsok', 'smsallowed', 'smspermission', 'textok'],
    mobile_number: ['phone', 'mobile', 'mobilenumber', 'mobileno', 'phonenumber', 'phoneno', 'mobilephone', 'cell', 'cellphone', 'cellnumber', 'telephone', 'tel', 'msisdn'],
    first_name: ['firstname', 'givenname', 'forename', 'fname'],
    last_name: ['lastname', 'surname', 'familyname', 'lname'],
    timezone: ['timezone', 'tz'],
    language: ['language', 'lang', 'languagecode'],
  }).flatMap(([attribute, names]) => names.map((name): [string, string] => [name, attribute])),
);

function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The Xtremepush attribute a column name usually means (`Email Address` → email), if any. */
export function wellKnownAttributeFor(columnName: string): string | undefined {
  return WELL_KNOWN_NAMES.get(squash(columnName));
}

/** `Signup Date` → signup_date, `loyaltyTier` → loyalty_tier, `Café` → cafe; '' when nothing is left. */
export function snakeCase(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The attribute name to suggest for a column whose own name breaks the naming rule. */
export function suggestAttributeName(columnName: string): string {
  return wellKnownAttributeFor(columnName) ?? (snakeCase(columnName) || 'my_attribute');
}
