import { currentTenant, tenantSees } from '../../auth/tenant';
import type { CachedReader } from '../../cache/cached-reader';
import type { Warehouse } from '../../ports/lake';
import { p, raw, sql } from '../../ports/sql';

export interface CustomerRecord {
  id: string;
  customerType: string;
  country: string;
  name: string;
  email: string;
  piiMasked: boolean;
}

/** What a masked personal field reads as. */
export const MASKED = '***';

/**
 * The warehouse's customer dimension. Callers without pii:read never receive
 * personal data: the query does not even select it, and the cache keeps the two
 * scopes apart.
 */
export class CustomerService {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly cache: CachedReader,
  ) {}

  /** One warehouse query for all ids (the per-request DataLoader calls this once per batch). */
  async loadMany(ids: readonly string[], withPii: boolean): Promise<Map<string, CustomerRecord>> {
    // A tenant reads only its own customers (another one's reads as absent: null).
    const tenant = currentTenant();
    const unique = [...new Set(ids)].filter((id) => tenantSees(tenant, id)).sort();
    if (unique.length === 0) return new Map();
    const rows = await this.cache.read(
      {
        domain: 'warehouse',
        label: 'customers.byIds',
        args: { ids: unique },
        scope: withPii ? 'pii' : 'masked',
        datasets: ['warehouse.customers'],
        subjects: unique,
      },
      async () => {
        const personal = withPii ? raw('name, email') : raw('NULL AS name, NULL AS email');
        const result = await this.warehouse.engine.query({
          label: 'customers.byIds',
          sql: sql`SELECT customer_id, customer_type, country, ${personal} FROM ${this.warehouse.table('customers')} WHERE customer_id IN ${p.list(unique.map(p.str))}`,
        });
        return result.rows.map((row) => ({
          id: String(row.customer_id),
          customerType: String(row.customer_type),
          country: String(row.country),
          name: withPii ? String(row.name ?? '') : MASKED,
          email: withPii ? String(row.email ?? '') : MASKED,
          piiMasked: !withPii,
        }));
      },
    );
    return new Map(rows.map((r) => [r.id, r]));
  }
}
