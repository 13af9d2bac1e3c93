#!/usr/bin/env node
// The CDK app (cdk.json runs it with tsx): one Strata stack, its parameters from the CDK context.
import { App } from 'aws-cdk-lib'
import { buildApp } from '../lib/build-app.js'

buildApp(new App())
