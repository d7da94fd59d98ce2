/**
 * Actions of the PS3.15 Annex E Basic Application Level Confidentiality Profile (Table E.1-1) for
 * the attributes that carry identity in practice, with the option columns that change them.
 * Attributes not listed here are handled by VR in `deidentifyDicom` (person names removed, UIDs
 * remapped, dates shifted, free text removed unless known to be safe).
 *
 * Action codes (PS3.15 E.1.1): X remove, Z empty, D dummy, K keep, C clean, U remap UID.
 */

/** Basic-profile action, and what each option turns it into. */
export interface AnnexEAction {
  basic: 'X' | 'Z' | 'D' | 'U' | 'K';
  /** Retain Patient Characteristics Option. */
  patChars?: 'K' | 'C';
  /** Retain Device Identity Option. */
  devId?: 'K' | 'C';
  /** Retain Institution Identity Option. */
  instId?: 'K' | 'C';
  /** Clean Descriptors Option. */
  cleanDesc?: 'C';
  /** Dates/times handled by the longitudinal options (shifted with Modified Dates). */
  date?: true;
}

const a = (
  basic: AnnexEAction['basic'],
  extra: Omit<AnnexEAction, 'basic'> = {},
): AnnexEAction => ({ basic, ...extra });

/** Tag (8 hex digits, upper case) → action. */
export const ANNEX_E: Readonly<Record<string, AnnexEAction>> = {
  // Patient
  '00100010': a('Z'), // Patient's Name
  '00100020': a('Z'), // Patient ID
  '00100021': a('X'), // Issuer of Patient ID
  '00100030': a('Z'), // Patient's Birth Date
  '00100032': a('X'), // Patient's Birth Time
  '00100040': a('Z', { patChars: 'K' }), // Patient's Sex
  '00100050': a('X'), // Patient's Insurance Plan Code Sequence
  '00101000': a('X'), // Other Patient IDs
  '00101001': a('X'), // Other Patient Names
  '00101002': a('X'), // Other Patient IDs Sequence
  '00101005': a('X'), // Patient's Birth Name
  '00101010': a('X', { patChars: 'K' }), // Patient's Age
  '00101020': a('X', { patChars: 'K' }), // Patient's Size
  '00101030': a('X', { patChars: 'K' }), // Patient's Weight
  '00101040': a('X'), // Patient's Address
  '00101060': a('X'), // Patient's Mother's Birth Name
  '00101080': a('X'), // Military Rank
  '00101081': a('X'), // Branch of Service
  '00101090': a('X'), // Medical Record Locator
  '00102000': a('X'), // Medical Alerts
  '00102110': a('X'), // Allergies
  '00102150': a('X'), // Country of Residence
  '00102152': a('X'), // Region of Residence
  '00102154': a('X'), // Patient's Telephone Numbers
  '00102155': a('X'), // Patient's Telecom Information
  '00102160': a('X', { patChars: 'K' }), // Ethnic Group
  '00102180': a('X'), // Occupation
  '001021A0': a('X', { patChars: 'K' }), // Smoking Status
  '001021B0': a('X', { patChars: 'C' }), // Additional Patient History
  '001021C0': a('X', { patChars: 'K' }), // Pregnancy Status
  '001021D0': a('X', { date: true }), // Last Menstrual Date
  '001021F0': a('X'), // Patient's Religious Preference
  '00102203': a('X', { patChars: 'K' }), // Patient's Sex Neutered
  '00102297': a('X'), // Responsible Person
  '00102299': a('X'), // Responsible Organization
  '00104000': a('X'), // Patient Comments
  '00380010': a('X'), // Admission ID
  '00380011': a('X'), // Issuer of Admission ID
  '00380060': a('X'), // Service Episode ID
  '00380062': a('X'), // Service Episode Description
  '00380300': a('X'), // Current Patient Location
  '00380400': a('X'), // Patient's Institution Residence
  '00380500': a('X', { patChars: 'C' }), // Patient State
  '00384000': a('X'), // Visit Comments
  // Study, series, instance
  '00080050': a('Z'), // Accession Number
  '00080051': a('X'), // Issuer of Accession Number Sequence
  '00080020': a('Z', { date: true }), // Study Date
  '00080021': a('X', { date: true }), // Series Date
  '00080022': a('X', { date: true }), // Acquisition Date
  '00080023': a('Z', { date: true }), // Content Date
  '00080024': a('X', { date: true }), // Overlay Date
  '00080025': a('X', { date: true }), // Curve Date
  '0008002A': a('X', { date: true }), // Acquisition DateTime
  '00080030': a('Z', { date: true }), // Study Time
  '00080031': a('X', { date: true }), // Series Time
  '00080032': a('X', { date: true }), // Acquisition Time
  '00080033': a('Z', { date: true }), // Content Time
  '00080034': a('X', { date: true }), // Overlay Time
  '00080035': a('X', { date: true }), // Curve Time
  '00080012': a('X', { date: true }), // Instance Creation Date
  '00080013': a('X', { date: true }), // Instance Creation Time
  '00080201': a('X'), // Timezone Offset From UTC
  '00200010': a('Z'), // Study ID
  '00081030': a('X', { cleanDesc: 'C' }), // Study Description
  '0008103E': a('X', { cleanDesc: 'C' }), // Series Description
  '00081080': a('X', { cleanDesc: 'C' }), // Admitting Diagnoses Description
  '00081084': a('X', { cleanDesc: 'C' }), // Admitting Diagnoses Code Sequence
  '00082111': a('X', { cleanDesc: 'C' }), // Derivation Description
  '00181030': a('X', { cleanDesc: 'C' }), // Protocol Name
  '00184000': a('X', { cleanDesc: 'C' }), // Acquisition Comments
  '00204000': a('X', { cleanDesc: 'C' }), // Image Comments
  '00209158': a('X', { cleanDesc: 'C' }), // Frame Comments
  '00324000': a('X', { cleanDesc: 'C' }), // Study Comments
  '00321060': a('X', { cleanDesc: 'C' }), // Requested Procedure Description
  '00400254': a('X', { cleanDesc: 'C' }), // Performed Procedure Step Description
  '00400007': a('X', { cleanDesc: 'C' }), // Scheduled Procedure Step Description
  '00401400': a('X', { cleanDesc: 'C' }), // Requested Procedure Comments
  '00402400': a('X', { cleanDesc: 'C' }), // Imaging Service Request Comments
  '00400280': a('X', { cleanDesc: 'C' }), // Comments on the Performed Procedure Step
  // People
  '00080090': a('Z'), // Referring Physician's Name
  '00080092': a('X'), // Referring Physician's Address
  '00080094': a('X'), // Referring Physician's Telephone Numbers
  '00080096': a('X'), // Referring Physician Identification Sequence
  '0008009C': a('Z'), // Consulting Physician's Name
  '00081048': a('X'), // Physician(s) of Record
  '00081049': a('X'), // Physician(s) of Record Identification Sequence
  '00081050': a('X'), // Performing Physician's Name
  '00081052': a('X'), // Performing Physician Identification Sequence
  '00081060': a('X'), // Name of Physician(s) Reading Study
  '00081062': a('X'), // Physician(s) Reading Study Identification Sequence
  '00081070': a('X'), // Operators' Name
  '00081072': a('X'), // Operator Identification Sequence
  '00321032': a('X'), // Requesting Physician
  '00321033': a('X'), // Requesting Service
  '0040A075': a('D'), // Verifying Observer Name
  '0040A123': a('D'), // Person Name
  '00700084': a('Z'), // Content Creator's Name
  '40080114': a('X'), // Physician Approving Interpretation
  // Institution and device
  '00080080': a('X', { instId: 'K' }), // Institution Name
  '00080081': a('X', { instId: 'K' }), // Institution Address
  '00080082': a('X', { instId: 'K' }), // Institution Code Sequence
  '00081040': a('X', { instId: 'K' }), // Institutional Department Name
  '00081010': a('X', { devId: 'K' }), // Station Name
  '00181000': a('X', { devId: 'K' }), // Device Serial Number
  '00181002': a('U', { devId: 'K' }), // Device UID
  '00181004': a('X', { devId: 'K' }), // Plate ID
  '00181005': a('X', { devId: 'K' }), // Generator ID
  '00181007': a('X', { devId: 'K' }), // Cassette ID
  '00181008': a('X', { devId: 'K' }), // Gantry ID
  '00187004': a('X', { devId: 'K' }), // Detector ID
  '00181020': a('X', { devId: 'K' }), // Software Versions
  '00400241': a('X', { devId: 'K' }), // Performed Station AE Title
  '00400242': a('X', { devId: 'K' }), // Performed Station Name
  '00400243': a('X', { devId: 'K' }), // Performed Location
  '00400001': a('X', { devId: 'K' }), // Scheduled Station AE Title
  '00400010': a('X', { devId: 'K' }), // Scheduled Station Name
  '00400011': a('X', { devId: 'K' }), // Scheduled Procedure Step Location
  // Orders and steps
  '00400244': a('X', { date: true }), // Performed Procedure Step Start Date
  '00400245': a('X', { date: true }), // Performed Procedure Step Start Time
  '00400250': a('X', { date: true }), // Performed Procedure Step End Date
  '00400251': a('X', { date: true }), // Performed Procedure Step End Time
  '00400253': a('X'), // Performed Procedure Step ID
  '00400275': a('X'), // Request Attributes Sequence
  '00401001': a('X'), // Requested Procedure ID
  '00401002': a('X'), // Reason for the Requested Procedure
  '00401004': a('X'), // Patient Transport Arrangements
  '00401005': a('X'), // Requested Procedure Location
  '00402016': a('Z'), // Placer Order Number / Imaging Service Request
  '00402017': a('Z'), // Filler Order Number / Imaging Service Request
  '00400009': a('X'), // Scheduled Procedure Step ID
  '00081110': a('X'), // Referenced Study Sequence
  '00081111': a('X'), // Referenced Performed Procedure Step Sequence
  '00081120': a('X'), // Referenced Patient Sequence
  '00081032': a('K'), // Procedure Code Sequence (coded, kept)
  // Content and signatures
  '0040A160': a('X'), // Text Value
  '0040A730': a('D'), // Content Sequence (emptied: the dummy of a sequence)
  '00181200': a('X', { date: true }), // Date of Last Calibration
  '00181201': a('X', { date: true }), // Time of Last Calibration
  '00180010': a('Z'), // Contrast/Bolus Agent
  '00880200': a('X'), // Icon Image Sequence
  '00120060': a('Z'), // Clinical Trial Coordinating Center Name
  '00400555': a('X'), // Acquisition Context Sequence
  '300A0002': a('D'), // RT Plan Label
  '300A0003': a('X'), // RT Plan Name
  '300A0004': a('X'), // RT Plan Description
  '300A0006': a('X', { date: true }), // RT Plan Date
  '300A0007': a('X', { date: true }), // RT Plan Time
  '30060002': a('D'), // Structure Set Label
  '30060004': a('X'), // Structure Set Name
  '30060008': a('Z', { date: true }), // Structure Set Date
  '30060009': a('Z', { date: true }), // Structure Set Time
  '04000550': a('X'), // Modified Attributes Sequence
  '04000561': a('X'), // Original Attributes Sequence
  FFFAFFFA: a('X'), // Digital Signatures Sequence
  '4FFE0001': a('X'), // MAC Parameters Sequence
  FFFCFFFC: a('X'), // Data Set Trailing Padding
  '00880140': a('U'), // Storage Media File-set UID
  // UIDs
  '00080014': a('U'), // Instance Creator UID
  '00080018': a('U'), // SOP Instance UID
  '0020000D': a('U'), // Study Instance UID
  '0020000E': a('U'), // Series Instance UID
  '00200052': a('U'), // Frame of Reference UID
  '00200200': a('U'), // Synchronization Frame of Reference UID
  '00081155': a('U'), // Referenced SOP Instance UID
  '00083010': a('U'), // Irradiation Event UID
  '00209161': a('U'), // Concatenation UID
  '00209164': a('U'), // Dimension Organization UID
  '0040A124': a('U'), // UID
  '30060024': a('U'), // Referenced Frame of Reference UID
  '300600C2': a('U'), // Related Frame of Reference UID
  '00020003': a('U'), // Media Storage SOP Instance UID
};

/** UI attributes that name classes and syntaxes, not instances: never remapped. */
export const CLASS_UIDS: ReadonlySet<string> = new Set([
  '00020002', // Media Storage SOP Class UID
  '00020010', // Transfer Syntax UID
  '00020012', // Implementation Class UID
  '00080016', // SOP Class UID
  '00081150', // Referenced SOP Class UID
  '0008010C', // Coding Scheme UID
  '00080117', // Context UID
  '00041510', // Referenced SOP Class UID in File
  '00041512', // Referenced Transfer Syntax UID in File
]);

/** Free-text attributes outside Table E.1-1 that carry no identity and are kept. */
export const SAFE_TEXT: ReadonlySet<string> = new Set([
  '00080005', // Specific Character Set
  '00080060', // Modality
  '00080064', // Conversion Type
  '00080070', // Manufacturer
  '00081090', // Manufacturer's Model Name
  '00080100', // Code Value
  '00080102', // Coding Scheme Designator
  '00080103', // Coding Scheme Version
  '00080104', // Code Meaning
  '00180015', // Body Part Examined
  '00180020', // Scanning Sequence
  '00180021', // Sequence Variant
  '00180022', // Scan Options
  '00180023', // MR Acquisition Type
  '00181210', // Convolution Kernel
  '00185100', // Patient Position
  '00200020', // Patient Orientation
  '00200060', // Laterality
  '00280004', // Photometric Interpretation
  '00282110', // Lossy Image Compression
  '00282114', // Lossy Image Compression Method
  '00281055', // Window Center & Width Explanation
  '00080008', // Image Type
  '00181016', // Secondary Capture Device Manufacturer
  '00181018', // Secondary Capture Device Manufacturer's Model Name
  '00181019', // Secondary Capture Device Software Versions
]);
