/** Creates or re-points a link; `created` tells which (xmax is 0 only for a freshly inserted row). */
export const UPSERT_LINK = `
INSERT INTO fleet_links AS link (vehicle_id, meter_id)
VALUES ($1, $2)
ON CONFLICT (vehicle_id) DO UPDATE
  SET meter_id = EXCLUDED.meter_id,
      updated_at = CASE WHEN link.meter_id = EXCLUDED.meter_id THEN link.updated_at ELSE now() END
RETURNING vehicle_id, meter_id, created_at, updated_at, (xmax = 0) AS created
`;

export interface UpsertedLinkRow {
  vehicle_id: string;
  meter_id: string;
  created_at: Date;
  updated_at: Date;
  created: boolean;
}
