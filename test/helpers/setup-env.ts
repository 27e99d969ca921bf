import 'reflect-metadata';

// The AWS SDK warns once per process on Node 20; the README says why we stay on 20 here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LAKEGATE_LOG_LEVEL ??= 'silent';
