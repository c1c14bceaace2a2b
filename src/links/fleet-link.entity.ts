import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Which meter feeds which vehicle. Several vehicles may share a meter (a depot meter). */
@Entity({ name: 'fleet_links' })
export class FleetLink {
  @PrimaryColumn({ name: 'vehicle_id', type: 'text' })
  vehicleId!: string;

  @Index('fleet_links_meter_id_idx')
  @Column({ name: 'meter_id', type: 'text' })
  meterId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
