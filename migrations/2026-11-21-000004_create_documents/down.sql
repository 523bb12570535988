DROP TABLE loan_documents;
DROP TABLE union_member_documents;
DROP TABLE document_types;
