/**
 * Encrypted binary objects attached to a resource: DICOM instances of an ImagingStudy, document
 * attachments. Each blob is sealed under the data key of the resource's owner with associated
 * data naming the resource and the blob, so it cannot be moved to another study.
 */
import { randomUUID } from 'node:crypto';
import { openField, sealField } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { blindIndexOf, dataKeyOf, ensureDataKeys, indexKeyOf, type Vault } from './vault.ts';

/** Metadata kept (encrypted) with a blob. */
export interface BlobMeta {
  contentType: string;
  /** DICOM SOP Instance UID, series UID, file name … (never shown in clear). */
  [key: string]: unknown;
}

/** Largest blob accepted (bytes). */
export const MAX_BLOB_BYTES = 512 * 1024 * 1024;

/**
 * Stores an encrypted blob for an existing resource. With `meta.sopInstanceUid` the blob can be
 * found by `findBlobByInstanceUid` (blind index). Returns the blob id.
 */
export async function putBlob(
  vault: Vault,
  tenant: string,
  input: { resourceType: string; resourceId: string; data: Uint8Array; meta: BlobMeta },
): Promise<{ id: string; size: number }> {
  if (!(input.data instanceof Uint8Array))
    throw new CustosError(ErrorCode.BadRequest, 'blob data must be bytes');
  if (input.data.byteLength > MAX_BLOB_BYTES)
    throw new CustosError(ErrorCode.InputInvalid, 'blob too large');
  const res = await vault.db
    .selectFrom('vault_resource')
    .select(['owner', 'patient_id'])
    .where('tenant_id', '=', tenant)
    .where('resource_type', '=', input.resourceType)
    .where('id', '=', input.resourceId)
    .executeTakeFirst();
  if (!res)
    throw new CustosError(
      ErrorCode.NotFound,
      `${input.resourceType}/${input.resourceId} not found`,
    );
  const dek = (await ensureDataKeys(vault, tenant, [res.owner])).get(res.owner)!;
  const id = randomUUID();
  const row = `${input.resourceType}/${input.resourceId}/${id}`;
  await vault.db
    .insertInto('vault_blob')
    .values({
      tenant_id: tenant,
      id,
      resource_type: input.resourceType,
      resource_id: input.resourceId,
      patient_id: res.patient_id,
      owner: res.owner,
      key_id: dek.id,
      size: input.data.byteLength,
      meta: sealField(dek, JSON.stringify(input.meta), {
        tenant,
        table: 'vault_blob',
        column: 'meta',
        row,
      }),
      data: sealField(dek, input.data, { tenant, table: 'vault_blob', column: 'data', row }),
      created_at: new Date(),
    })
    .execute();
  const uid = typeof input.meta.sopInstanceUid === 'string' ? input.meta.sopInstanceUid : undefined;
  if (uid) {
    const hash = blindIndexOf(await indexKeyOf(vault, tenant), 'sop-instance-uid', uid);
    if (hash) {
      await vault.db
        .insertInto('vault_blind_index')
        .values({
          tenant_id: tenant,
          kind: 'sop-instance-uid',
          hash,
          resource_type: 'Binary',
          resource_id: id,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
  return { id, size: input.data.byteLength };
}

/** A decrypted blob. */
export interface StoredBlob {
  id: string;
  resourceType: string;
  resourceId: string;
  patientId: string | null;
  meta: BlobMeta;
  data: Buffer;
}

/** Reads and decrypts a blob; NOT_FOUND when absent or shredded, CRYPTO_FAILURE when tampered. */
export async function readBlob(
  vault: Vault,
  tenant: string,
  blobId: string,
  options: { metaOnly?: boolean } = {},
): Promise<StoredBlob> {
  const row = await vault.db
    .selectFrom('vault_blob as b')
    .innerJoin('vault_data_key as k', (j) =>
      j.onRef('k.tenant_id', '=', 'b.tenant_id').onRef('k.key_id', '=', 'b.key_id'),
    )
    .select([
      'b.id',
      'b.resource_type',
      'b.resource_id',
      'b.patient_id',
      'b.meta',
      'b.data',
      'b.key_id',
      'k.owner',
      'k.suite',
      'k.wrapped',
      'k.state',
    ])
    .where('b.tenant_id', '=', tenant)
    .where('b.id', '=', blobId)
    .executeTakeFirst();
  if (!row) throw new CustosError(ErrorCode.NotFound, `blob ${blobId} not found`);
  const ref = `${row.resource_type}/${row.resource_id}/${row.id}`;
  const dek = await dataKeyOf(vault, tenant, row, `blob ${row.id}`);
  const meta = JSON.parse(
    openField(dek, row.meta, { tenant, table: 'vault_blob', column: 'meta', row: ref }).toString(
      'utf8',
    ),
  ) as BlobMeta;
  const data = options.metaOnly
    ? Buffer.alloc(0)
    : openField(dek, row.data, { tenant, table: 'vault_blob', column: 'data', row: ref });
  return {
    id: row.id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    patientId: row.patient_id,
    meta,
    data,
  };
}

/** Blob ids and sizes attached to a resource (no decryption). */
export async function listBlobs(
  vault: Vault,
  tenant: string,
  resourceType: string,
  resourceId: string,
): Promise<{ id: string; size: number }[]> {
  return vault.db
    .selectFrom('vault_blob')
    .select(['id', 'size'])
    .where('tenant_id', '=', tenant)
    .where('resource_type', '=', resourceType)
    .where('resource_id', '=', resourceId)
    .orderBy('created_at')
    .execute();
}

/** Stores a DICOM instance (Part 10 bytes) of an ImagingStudy, encrypted. */
export async function putImagingInstance(
  vault: Vault,
  tenant: string,
  studyId: string,
  dicom: Uint8Array,
  meta: { sopInstanceUid: string; seriesInstanceUid?: string; [key: string]: unknown },
): Promise<{ id: string; size: number }> {
  return putBlob(vault, tenant, {
    resourceType: 'ImagingStudy',
    resourceId: studyId,
    data: dicom,
    meta: { contentType: 'application/dicom', ...meta },
  });
}

/** Finds a blob by DICOM SOP Instance UID through its blind index. */
export async function findBlobByInstanceUid(
  vault: Vault,
  tenant: string,
  sopInstanceUid: string,
): Promise<string | undefined> {
  const hash = blindIndexOf(await indexKeyOf(vault, tenant), 'sop-instance-uid', sopInstanceUid);
  if (!hash) return undefined;
  const row = await vault.db
    .selectFrom('vault_blind_index')
    .select('resource_id')
    .where('tenant_id', '=', tenant)
    .where('kind', '=', 'sop-instance-uid')
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row?.resource_id;
}
