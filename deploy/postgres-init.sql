-- One database per service: no service reads another's tables.
CREATE DATABASE townhall_identity;
CREATE DATABASE townhall_cases;
CREATE DATABASE townhall_booking;
CREATE DATABASE townhall_payments;
CREATE DATABASE townhall_notifications;
CREATE DATABASE townhall_resident_view;
CREATE DATABASE townhall_web;
CREATE DATABASE townhall_legacy;
