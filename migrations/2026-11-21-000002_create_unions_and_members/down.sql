DROP TABLE union_member_reassignments;
DROP TABLE union_assignment_history;
DROP TABLE union_members;
DROP TABLE unions;
DROP TABLE counters;
