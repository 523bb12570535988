// @generated automatically by Diesel CLI.

diesel::table! {
    audit_logs (id) {
        id -> Uuid,
        actor_user_id -> Nullable<Uuid>,
        action -> Text,
        entity_name -> Text,
        entity_id -> Nullable<Uuid>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        metadata -> Nullable<Jsonb>,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    backup_records (id) {
        id -> Uuid,
        file_name -> Text,
        storage_key -> Text,
        kind -> Text,
        status -> Text,
        size_bytes -> Nullable<Int8>,
        sha256 -> Nullable<Text>,
        schema_version -> Nullable<Text>,
        row_counts -> Nullable<Jsonb>,
        include_audit_logs -> Bool,
        include_sessions -> Bool,
        created_by_user_id -> Nullable<Uuid>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        error_message -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        holder -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamptz>,
        data_sha256 -> Nullable<Text>,
        data_bytes -> Nullable<Int8>,
        created_by_name -> Nullable<Text>,
    }
}

diesel::table! {
    backup_schedule_settings (id) {
        id -> Uuid,
        singleton -> Bool,
        frequency -> Text,
        retention_days -> Int4,
        include_audit_logs -> Bool,
        include_sessions -> Bool,
        last_backup_at -> Nullable<Timestamptz>,
        next_backup_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    company_settings (id) {
        id -> Uuid,
        singleton -> Bool,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        currency -> Text,
        currency_symbol -> Text,
        date_format -> Text,
        time_format -> Text,
        timezone -> Text,
        logo_url -> Nullable<Text>,
        favicon_url -> Nullable<Text>,
        primary_color -> Nullable<Text>,
        secondary_color -> Nullable<Text>,
        accent_color -> Nullable<Text>,
        theme_mode -> Nullable<Text>,
        maintenance_mode -> Bool,
        maintenance_message -> Nullable<Text>,
        penalty_grace_days -> Int4,
        default_grace_days -> Int4,
        allocation_order -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    daily_figures (credit_officer_id, day) {
        credit_officer_id -> Uuid,
        day -> Date,
        new_loans -> Int8,
        new_principal -> Numeric,
        disbursed_loans -> Int8,
        disbursed_principal -> Numeric,
        repayments -> Int8,
        collected_amount -> Numeric,
        installments -> Int8,
        due_amount -> Numeric,
        due_paid_amount -> Numeric,
    }
}

diesel::table! {
    document_types (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    job_leases (id) {
        id -> Uuid,
        name -> Text,
        holder -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    loan_charges (id) {
        id -> Uuid,
        loan_id -> Uuid,
        kind -> Text,
        charge_date -> Date,
        amount -> Numeric,
        paid_amount -> Numeric,
        waived_at -> Nullable<Timestamptz>,
        waived_by_user_id -> Nullable<Uuid>,
        waive_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    loan_documents (id) {
        id -> Uuid,
        loan_id -> Uuid,
        document_type_id -> Uuid,
        storage_key -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        issuing_authority -> Nullable<Text>,
        issue_date -> Nullable<Date>,
        expiry_date -> Nullable<Date>,
        verified -> Bool,
        verification_notes -> Nullable<Text>,
        verified_by_user_id -> Nullable<Uuid>,
        verified_at -> Nullable<Timestamptz>,
        uploaded_by_user_id -> Uuid,
        uploaded_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        external -> Bool,
    }
}

diesel::table! {
    loan_status_figures (credit_officer_id, status) {
        credit_officer_id -> Uuid,
        status -> Text,
        loans -> Int8,
        principal_amount -> Numeric,
        outstanding_amount -> Numeric,
    }
}

diesel::table! {
    loan_types (id) {
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        min_amount -> Numeric,
        max_amount -> Numeric,
        term_unit -> Text,
        min_term -> Int4,
        max_term -> Int4,
        interest_rate -> Numeric,
        interest_method -> Text,
        default_processing_fee -> Numeric,
        default_penalty_fee_per_day -> Numeric,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    loans (id) {
        id -> Uuid,
        loan_number -> Text,
        union_member_id -> Uuid,
        union_id -> Uuid,
        loan_type_id -> Uuid,
        principal_amount -> Numeric,
        currency_code -> Text,
        term_count -> Int4,
        term_unit -> Text,
        interest_rate -> Numeric,
        interest_method -> Text,
        start_date -> Date,
        end_date -> Date,
        processing_fee_amount -> Numeric,
        processing_fee_collected -> Bool,
        penalty_fee_per_day_amount -> Numeric,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_by_user_id -> Uuid,
        assigned_officer_id -> Uuid,
        approved_by_user_id -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
        disbursed_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        outstanding_amount -> Numeric,
        oldest_unpaid_due_date -> Nullable<Date>,
    }
}

diesel::table! {
    login_throttles (email) {
        email -> Text,
        locked_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    monthly_figures (credit_officer_id, month) {
        credit_officer_id -> Uuid,
        month -> Date,
        new_loans -> Int8,
        new_principal -> Numeric,
        disbursed_loans -> Int8,
        disbursed_principal -> Numeric,
        repayments -> Int8,
        collected_amount -> Numeric,
        installments -> Int8,
        due_amount -> Numeric,
        due_paid_amount -> Numeric,
    }
}

diesel::table! {
    repayment_allocations (id) {
        id -> Uuid,
        repayment_id -> Uuid,
        schedule_item_id -> Nullable<Uuid>,
        charge_id -> Nullable<Uuid>,
        principal_amount -> Numeric,
        interest_amount -> Numeric,
        fee_amount -> Numeric,
        penalty_amount -> Numeric,
        amount -> Numeric,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    repayment_schedule_items (id) {
        id -> Uuid,
        loan_id -> Uuid,
        sequence -> Int4,
        due_date -> Date,
        principal_due -> Numeric,
        interest_due -> Numeric,
        fee_due -> Numeric,
        total_due -> Numeric,
        paid_amount -> Numeric,
        status -> Text,
        closed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    repayments (id) {
        id -> Uuid,
        loan_id -> Uuid,
        received_by_user_id -> Uuid,
        amount -> Numeric,
        currency_code -> Text,
        paid_at -> Timestamptz,
        method -> Text,
        reference -> Nullable<Text>,
        notes -> Nullable<Text>,
        idempotency_key -> Text,
        reversed_at -> Nullable<Timestamptz>,
        reversed_by_user_id -> Nullable<Uuid>,
        reversal_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_sessions (id) {
        id -> Uuid,
        supervisor_id -> Nullable<Uuid>,
        report_type -> Text,
        title -> Text,
        period_start -> Date,
        period_end -> Date,
        total_officers -> Int4,
        total_unions -> Int4,
        total_members -> Int4,
        verified_members -> Int4,
        pending_members -> Int4,
        total_loans -> Int4,
        pending_loans -> Int4,
        active_loans -> Int4,
        completed_loans -> Int4,
        defaulted_loans -> Int4,
        total_disbursed -> Numeric,
        total_repaid -> Numeric,
        total_outstanding -> Numeric,
        collection_rate -> Numeric,
        report_data -> Jsonb,
        officer_metrics -> Jsonb,
        generated_at -> Timestamptz,
        generated_by_user_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        refresh_token_hash -> Text,
        user_agent -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    stored_objects (storage_key) {
        storage_key -> Text,
        committed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    union_assignment_history (id) {
        id -> Uuid,
        union_id -> Uuid,
        old_officer_id -> Nullable<Uuid>,
        new_officer_id -> Uuid,
        changed_by_user_id -> Uuid,
        reason -> Nullable<Text>,
        changed_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    union_member_documents (id) {
        id -> Uuid,
        union_member_id -> Uuid,
        document_type_id -> Uuid,
        storage_key -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        issuing_authority -> Nullable<Text>,
        issue_date -> Nullable<Date>,
        expiry_date -> Nullable<Date>,
        verified -> Bool,
        verification_notes -> Nullable<Text>,
        verified_by_user_id -> Nullable<Uuid>,
        verified_at -> Nullable<Timestamptz>,
        uploaded_by_user_id -> Uuid,
        uploaded_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        external -> Bool,
    }
}

diesel::table! {
    union_member_reassignments (id) {
        id -> Uuid,
        union_member_id -> Uuid,
        old_union_id -> Uuid,
        new_union_id -> Uuid,
        old_officer_id -> Nullable<Uuid>,
        new_officer_id -> Uuid,
        changed_by_user_id -> Uuid,
        reason -> Nullable<Text>,
        changed_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    union_members (id) {
        id -> Uuid,
        code -> Text,
        first_name -> Text,
        last_name -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        gender -> Nullable<Text>,
        marital_status -> Nullable<Text>,
        profession -> Nullable<Text>,
        company -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        country -> Nullable<Text>,
        zip_code -> Nullable<Text>,
        note -> Nullable<Text>,
        profile_image -> Nullable<Text>,
        is_verified -> Bool,
        union_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    unions (id) {
        id -> Uuid,
        name -> Text,
        location -> Nullable<Text>,
        address -> Nullable<Text>,
        credit_officer_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    user_login_history (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        email_tried -> Text,
        login_at -> Timestamptz,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        success -> Bool,
        failure_reason -> Nullable<Text>,
    }
}

diesel::table! {
    user_notes (id) {
        id -> Uuid,
        user_id -> Uuid,
        title -> Text,
        content -> Text,
        category -> Nullable<Text>,
        is_private -> Bool,
        created_by_user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        is_active -> Bool,
        supervisor_id -> Nullable<Uuid>,
        first_name -> Text,
        last_name -> Text,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        profile_image -> Nullable<Text>,
        last_login_at -> Nullable<Timestamptz>,
        last_activity_at -> Nullable<Timestamptz>,
        login_count -> Int4,
        failed_login_count -> Int4,
        locked_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(audit_logs -> users (actor_user_id));
diesel::joinable!(loan_charges -> loans (loan_id));
diesel::joinable!(loan_charges -> users (waived_by_user_id));
diesel::joinable!(loan_documents -> document_types (document_type_id));
diesel::joinable!(loan_documents -> loans (loan_id));
diesel::joinable!(loans -> loan_types (loan_type_id));
diesel::joinable!(loans -> union_members (union_member_id));
diesel::joinable!(loans -> unions (union_id));
diesel::joinable!(repayment_allocations -> loan_charges (charge_id));
diesel::joinable!(repayment_allocations -> repayment_schedule_items (schedule_item_id));
diesel::joinable!(repayment_allocations -> repayments (repayment_id));
diesel::joinable!(repayment_schedule_items -> loans (loan_id));
diesel::joinable!(repayments -> loans (loan_id));
diesel::joinable!(staff_sessions -> users (user_id));
diesel::joinable!(union_assignment_history -> unions (union_id));
diesel::joinable!(union_member_documents -> document_types (document_type_id));
diesel::joinable!(union_member_documents -> union_members (union_member_id));
diesel::joinable!(union_member_reassignments -> union_members (union_member_id));
diesel::joinable!(union_members -> unions (union_id));
diesel::joinable!(unions -> users (credit_officer_id));
diesel::joinable!(user_login_history -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_logs,
    backup_records,
    backup_schedule_settings,
    company_settings,
    counters,
    daily_figures,
    document_types,
    job_leases,
    loan_charges,
    loan_documents,
    loan_status_figures,
    loan_types,
    loans,
    login_throttles,
    monthly_figures,
    repayment_allocations,
    repayment_schedule_items,
    repayments,
    report_sessions,
    staff_sessions,
    stored_objects,
    union_assignment_history,
    union_member_documents,
    union_member_reassignments,
    union_members,
    unions,
    user_login_history,
    user_notes,
    users,
);
