ALTER TABLE loan_documents DROP COLUMN external;
ALTER TABLE union_member_documents DROP COLUMN external;
