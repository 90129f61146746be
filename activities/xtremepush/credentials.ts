/**
 * How a request proves who it is. The apptoken travels in the JSON body (documented); an OAuth
 * access token travels as a bearer header (assumed). Either way it lives only in the worker.
 */
export interface Credentials {
  /** Adds proof of identity to a request about to be sent. */
  authorize(body: Record<string, unknown>, headers: Record<string, string>): Promise<void>;
  /**
   * Called after a 401: a refreshable credential fetches a new token and answers true. `rejected`
   * is the headers the refused request carried, so that a 401 for a token already replaced costs
   * no second refresh.
   */
  refreshAfterRejection(rejected?: Record<string, string>): Promise<boolean>;
}

export class AppTokenCredentials implements Credentials {
  readonly #apptoken: string;
  constructor(apptoken: string) {
    this.#apptoken = apptoken;
  }
  authorize(body: Record<string, unknown>): Promise<void> {
    body.apptoken = this.#apptoken;
    return Promise.resolve();
  }
  refreshAfterRejection(): Promise<boolean> {
    return Promise.resolve(false);
  }
  /** Keeps the token out of util.inspect, JSON.stringify and logs. */
  toJSON(): string {
    return '[AppTokenCredentials]';
  }
}
